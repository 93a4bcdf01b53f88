"""References: "it", "its" or "the company" standing for a company the article named before.

`antecedent` finds the company such a reference most likely stands for: of the names before
it in its sentence or the LOOK_BACK sentences before, the one the article names most.
`_REF_BUYER` and `_REF_TARGET` are the words that make a reference a deal's buyer or target,
and `resolver` gives `verify` the company and the sentence that names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rag.deals.cues import MONTH_NAMES, WEEKDAYS
from rag.deals.names import _PROPER, company_key
from rag.deals.roles import _AUX, _BUY_VERB, _DEAL_NOUN, _MONEY_WORDS
from rag.text import split_sentences

# "it", "its" and "the company" stand for a company named before them. Where the words around
# such a reference make it a deal's buyer ("it will acquire Whole Foods", "its $3 billion
# acquisition of Jet.com"), the company it stands for is the buyer. Not for targets: in "Uber
# bought it" the company is the previous sentence's startup, named once, while the article's
# most named company there is Google (tried on SENTiVENT: the one such target came out wrong).
_REF_NOUN = (
    r"the\s+(?:company|firm|group|retailer|carrier|airline|bank|lender|insurer|drugmaker|"
    r"automaker|carmaker|chipmaker|conglomerate|startup|start-up|"
    # "the streaming provider", "the search giant", "the social media company"
    r"(?:[\w-]+\s+){1,2}(?:giant|provider|streamer|service|platform|company|firm|maker))"
)
# A clause the reference is the subject of before the buying verb: "the streaming provider
# signed filmmakers Joel and Ethan Coen for a western anthology and acquired comic book
# publisher Millarworld".
_AND_ALSO = r"(?P<also>\s+(?-i:[a-z])\w+(?:s|ed)\s+[^.;:]{0,120}?,?\s+and)?"
_REF_BUYER = (
    re.compile(
        rf"\b(?P<ref>it|{_REF_NOUN})(?:\s*,[^,]{{0,80}},)?{_AND_ALSO}\s+{_AUX}"
        rf"(?:{_BUY_VERB}|invest(?:s|ed|ing)?)\b(?!\s+by\b)",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b(?P<ref>its|{_REF_NOUN}\s*['’]\s?s)\s+(?:[\w-]+\s+){{0,2}}{_MONEY_WORDS}"
        rf"(?:{_DEAL_NOUN}|bid|offer|stakes?|investments?)\s+(?:of|for|in)\b",
        re.IGNORECASE,
    ),
    # "The Boston-based company expects to close a deal to merge its oil and gas business with
    # Baker Hughes": the side that merges a part of itself with the other
    re.compile(
        rf"\b(?P<ref>{_REF_NOUN})\s+(?:(?!said\b|says\b)[\w-]+\s+){{0,6}}?"
        r"merg(?:e|es|ed|ing)\s+(?:its\s+(?:[\w-]+\s+){0,5}?)?with\b",
        re.IGNORECASE,
    ),
)
_SELLING = re.compile(r"\b(?:sell|sells|sold|selling|sale|divest\w*|exit\w*)\s+$", re.IGNORECASE)
# Capitalised words that start a name run but are not companies.
_NOT_COMPANY = {
    "the", "a", "an", "but", "and", "or", "in", "on", "at", "for", "as", "it", "its", "this",
    "that", "these", "those", "he", "she", "they", "we", "i", "so", "also", "moreover",
    "however", "still", "yet", "while", "after", "before", "when", "if", "with", "by", "from",
    "to", "of", "shares", "according", "mr", "ms", "mrs", "dr", "u.s", "us", "u.k", "uk",
    "america", "american", "europe", "european", "eu", "china", "chinese", "japan", "india",
    "canada", "germany", "france", "britain", "british", "washington", "new", "wall", "africa",
    "asia", "australia", "mexico", "russia",
    "nasdaq", "nyse", "s&p", "dow", "zacks", "ceo", "cfo", "chief", "president", "analysts",
    *(m[:3] for m in MONTH_NAMES.split()), *MONTH_NAMES.split(), "december", "dec",
    *WEEKDAYS, "today", "yesterday", "tomorrow", "q1", "q2", "q3", "q4", "tv", "ai", "ipo",
    "gdp", "etf",
}  # fmt: skip
# Words of a person's title that end a company's name in a run of capitalised words.
_TITLES = {
    "chief", "ceo", "cfo", "coo", "cto", "executive", "president", "chairman", "chairwoman",
    "chair", "founder", "co-founder", "director", "officer", "spokesman", "spokeswoman",
    "analyst", "vice",
}  # fmt: skip
_NAME_RUN = re.compile(_PROPER.replace(r"\s+", r"[ \t]+"))  # a name does not cross a line
LOOK_BACK = 2  # sentences before the reference's own where the company may be named


def _companies(text: str, start: int, end: int) -> Iterator[tuple[str, str, int]]:
    """(name, its key: the first word lower-cased, offset) for each name run in text[start:end]."""
    for m in _NAME_RUN.finditer(text, start, end):
        words = m.group(1).split()
        while words and words[0].lower().strip(".,'’") in _NOT_COMPANY:
            words.pop(0)  # "The Boston-based company", "But Amazon"
        cut = next((i for i, w in enumerate(words) if i and w.lower().strip(".,") in _TITLES), None)
        words = words[:cut]  # "P&G Chief Executive Officer David Taylor": P&G
        if not words:
            continue
        name = re.sub(r"\s*['’]s$", "", " ".join(words)).strip(".,")
        key = company_key(name)
        if len(key) > 1 and key not in _NOT_COMPANY:
            yield name, key, m.start(1) + m.group(1).find(words[0])


def antecedent(
    text: str, at: int, title: str | None = None, besides: frozenset[str] = frozenset()
) -> tuple[str, int] | None:
    """The company that "it" or "the company" at offset `at` of `text` most likely stands for,
    with the offset where that name occurs; None when no company is a clear candidate.

    The candidates are the names before `at` in its own sentence or, when none of those is a
    company the article names twice, in the LOOK_BACK sentences before it; of those, the one
    the article (with its title) has named most often so far wins (news names its subject
    company again and again, a passing analyst or city once), the nearest on a tie. A name
    seen only once is no candidate, nor a company whose key is in `besides` (the deal's other
    side: "Trian ... acquired a stake in the multinational corporation" is no stake in Trian).
    """
    spans = split_sentences(text)
    here = next((n for n, (s, e) in enumerate(spans) if s <= at < e), None)
    if here is None:
        return None
    heading = list(_companies(title, 0, len(title))) if title else []
    counts: dict[str, int] = {}
    for _, key, _ in [*_companies(text, 0, at), *heading]:
        counts[key] = counts.get(key, 0) + 1
    for lo in (spans[here][0], spans[max(0, here - LOOK_BACK)][0]):
        named = [
            (counts.get(key, 0), offset, name)
            for name, key, offset in _companies(text, lo, at)
            if counts.get(key, 0) >= 2 and key not in besides
        ]
        if named:
            _, offset, name = max(named)
            return name, offset
    return None


# A reference's offset in the sentence -> the company it stands for and the sentence naming it
# ("" when that is the reference's own sentence), or None. With `subject=True` only a company
# the article's title names is returned.
Resolver = Callable[..., "tuple[str, str] | None"]

# What is bought, named only as "the company" or "the club" ("Musk's $44 billion deal to buy
# the company", "the company was sold to Disney"): the article's subject, when its title names
# it. Not "it" (see _REF_NOUN above), and not a company the title does not name: of the 7 such
# candidate sentences of the 2023 corpus, the 3 whose antecedent the title names are all
# right (Twitter twice, Chelsea), and of the other 4, 2 are a buyer and 2 wrong ("James"
# Murdoch for 21st Century Fox, "His" for the Milwaukee Bucks).
_REF_TARGET_NOUN = (
    r"(?:the|that|this)\s+(?:company|firm|club|team|franchise|startup|start-up|business|chain|"
    r"network|studio|newspaper|paper|retailer|airline|carrier|brand|"
    # "a $3.5 billion stake in the multinational corporation"
    r"(?:multinational\s+|consumer-goods\s+|industrial\s+)?(?:corporation|conglomerate))"
)
_REF_TARGET = (
    # not "buy the company's products"
    re.compile(rf"\b{_BUY_VERB}\s+(?P<ref>{_REF_TARGET_NOUN})\b(?!\s*['’])", re.IGNORECASE),
    re.compile(
        rf"\b(?P<ref>{_REF_TARGET_NOUN})\s+(?:was|is|has\s+been|had\s+been|will\s+be|would\s+be)"
        r"\s+(?:bought|acquired|purchased|sold|taken\s+over)\b",
        re.IGNORECASE,
    ),
    # "Trian ... acquired a $3.5 billion stake in the multinational corporation"
    re.compile(
        rf"\b{_BUY_VERB}\s+(?:an?\s+)?(?:[\w$.,%-]+\s+){{0,4}}?(?:stake|interest|holding)\s+in\s+"
        rf"(?P<ref>{_REF_TARGET_NOUN})\b(?!\s*['’])",
        re.IGNORECASE,
    ),
    # "The retailer, which emerged from bankruptcy this month after being acquired by mall
    # owners Simon Property Group and Brookfield"
    re.compile(
        rf"\b(?P<ref>{_REF_TARGET_NOUN})\s*,\s*(?:which|that)\s+[^,;]{{0,100}}?\b(?:after|when|"
        r"since|before)\s+(?:it\s+was\s+|being\s+)(?:bought|acquired|purchased|sold|taken\s+over)"
        r"\s+by\b",
        re.IGNORECASE,
    ),
)


def _ref(sentence: str, patterns: tuple[re.Pattern[str], ...]) -> re.Match[str] | None:
    for pattern in patterns:
        m = pattern.search(sentence)
        if m:
            return m
    return None


def _ref_record(hit: re.Match[str], context: str) -> dict[str, Any]:
    return {
        "text": hit.group("ref"),
        "start": hit.start("ref"),
        "end": hit.end("ref"),
        "context": context,
    }


def resolver(text: str, start: int, end: int, title: str | None) -> Resolver:
    """The `resolve` argument of `verify` for the sentence text[start:end] of an article."""

    subjects = {key for _, key, _ in _companies(title, 0, len(title))} if title else set()

    def resolve(
        offset: int, subject: bool = False, besides: Iterable[str] = ()
    ) -> tuple[str, str] | None:
        found = antecedent(text, start + offset, title, frozenset(map(company_key, besides)))
        if found is None or (subject and company_key(found[0]) not in subjects):
            return None
        name, at = found
        if start <= at < end:
            return name, ""
        where = next(((s, e) for s, e in split_sentences(text) if s <= at < e), None)
        return name, text[where[0] : where[1]] if where else ""

    return resolve
