"""Deal mentions: one per sentence that states a deal, each field checked against the sentence.

The local model is slow to read (about 120 tokens/s on 2 cores) and slower to write (13), so it
never sees a whole article. A cheap filter picks the sentences that could state a deal (a
deal word plus an amount or names: `rag.deals.filter`), the model fills a small JSON form for
each one under llama.cpp's JSON-schema constraint, and every field is then checked against the
sentence here: a name that is not in it is dropped, an amount is one of the money spans our
own parser found (the model only picks which one), and the stage and dates come from cue words
(`rag.deals.cues`), not from the model.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Protocol

from rag.deals.cues import MONTH_NAMES, WEEKDAYS, event_date, event_year, round_of, stage_of
from rag.deals.filter import (
    DEAL_SIZE_USD,
    KIND_WORDS,
    MAX_SENTENCE_CHARS,
    candidates,
    deal_sized,
    nothing_else,
    states_kind,
)
from rag.deals.money import Money, find_money, to_usd
from rag.text import split_sentences

DEAL_TYPES = ("acquisition", "merger", "funding round", "stake")
STAGES = ("rumoured", "announced", "closed", "cancelled")
RULES_VERSION = "34"  # of the rule-made fields (refresh_rules): a new one rebuilds deal tables
EXTRACTOR_VERSION = "13"  # stored with each article's mentions: a new version extracts again

# Names the model may copy that are not parties: pronouns and generic nouns.
_NOT_A_PARTY = {
    "it",
    "its",
    "his",
    "her",
    "their",
    "our",
    "my",
    "they",
    "them",
    "we",
    "us",
    "he",
    "she",
    "the company",
    "the firm",
    "the group",
    "the startup",
    "the deal",
    "company",
    "investors",
    "investor",
    "shareholders",
    "a group of investors",
    "the government",
    # Words of an office or a body, capitalised inside a longer name or at a sentence's start
    # ("Department of Finance and Administration", "The County is repaid").
    "administration",
    "county",
    "the county",
    "city",
    "the city",
    "state",
    "the state",
    "government",
}


@dataclass
class Mention:
    """One sentence that states a deal, with the fields read from it and where each came from."""

    article_id: str
    sentence: str
    start: int  # character offsets of the sentence in the article's text
    end: int
    type: str
    buyers: list[str] = field(default_factory=list)
    lead: str | None = None
    target: str | None = None
    amount: str | None = None  # as written
    amount_low: float | None = None
    amount_high: float | None = None
    currency: str | None = None
    amount_usd: float | None = None
    round: str | None = None
    valuation: str | None = None
    valuation_usd: float | None = None
    stage: str = "announced"
    stage_cue: str | None = None
    published: str | None = None  # the article's date, ISO
    event_date: str | None = None  # stated in the sentence, ISO
    event_year: int | None = None  # a year before the article's that the sentence gives it
    outlet: str | None = None
    url: str | None = None
    title: str | None = None
    by: dict[str, str] = field(default_factory=dict)  # field -> "model" or "rule"
    # A party the sentence names only as "it" or "the company": name -> {"text": the words,
    # "start"/"end": their offsets in the sentence, "context": the sentence that names it}.
    refs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        key = f"{self.article_id}:{self.start}:{self.end}:{self.target or ''}"
        return hashlib.sha1(key.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["id"] = self.id
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mention:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class FormFiller(Protocol):
    """Fills the deal form for one sentence: a dict following FORM_SCHEMA."""

    def __call__(self, sentence: str, amounts: list[Money]) -> dict[str, Any]: ...


INSTRUCTIONS = """You read one sentence from a news article and fill a form about the deal \
it states.
A deal is an acquisition, a merger, a funding round (a company raising money from investors) \
or a stake (buying part of a company).
Not deals: share price moves, earnings, loans, bonds, spending on projects, products, \
lawsuits, analysts' opinions, government budgets, aid, grants, tariffs, trade and sanctions.
Reply with JSON only:
- "deal": true only if the sentence itself states a specific deal between named companies or \
investors.
- "type": "acquisition", "merger", "funding round" or "stake".
- "buyers": the acquirers or investors named in the sentence, copied exactly. News outlets and \
people who report or comment on the deal are not buyers.
- "lead": the lead investor if the sentence says who leads, else null.
- "target": the company acquired, merged or receiving the money, copied exactly.
- "amount": the number of the amount paid or raised, from the numbered amounts given; 0 if none.
- "valuation": the number of the company's valuation, from the numbered amounts; 0 if none."""

# Worked examples, with invented companies: (sentence, amounts line, the form).
_EXAMPLES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "Nordwind Capital is reportedly joining as a lead investor in the latest funding round "
        "for Dutch AI startup Veldt.",
        "none",
        {"deal": True, "type": "funding round", "buyers": ["Nordwind Capital"],
         "lead": "Nordwind Capital", "target": "Veldt", "amount": 0, "valuation": 0},
    ),
    (
        "Harlow Systems agreed to buy Quintel Games for $6.8 billion in cash.",
        "[1] $6.8 billion",
        {"deal": True, "type": "acquisition", "buyers": ["Harlow Systems"], "lead": None,
         "target": "Quintel Games", "amount": 1, "valuation": 0},
    ),
    (
        "A report by Reuters said that Berlin-based Acme Robotics is seeking at least "
        "€50 million in new financing.",
        "[1] at least €50 million",
        {"deal": True, "type": "funding round", "buyers": [], "lead": None,
         "target": "Acme Robotics", "amount": 1, "valuation": 0},
    ),
    (
        "Shares of Boeing rose 3% to $210 after the company reported strong deliveries.",
        "[1] $210",
        {"deal": False},
    ),
    (
        "Congress approved $61 billion in military aid for Ukraine backed by President Biden.",
        "[1] $61 billion",
        {"deal": False},
    ),
]  # fmt: skip

SYSTEM = INSTRUCTIONS + "".join(
    f"\n\nSentence: {sentence}\nAmounts: {amounts}\n{json.dumps(form)}"
    for sentence, amounts, form in _EXAMPLES
)


# Regulators and governments decide on deals; they are no party to them.
_AUTHORITY = re.compile(
    r"(?:the\s+)?(?:FCC|FTC|SEC|DOJ|CFIUS|CMA|EU|U\.?S\.?|United\s+States|Congress|"
    r"(?:U\.?S\.?\s+)?(?:Department\s+of\s+Justice|Justice\s+Department)|European\s+Commission|"
    r"Federal\s+(?:Trade|Communications)\s+Commission|Securities\s+and\s+Exchange\s+Commission|"
    r"Competition\s+and\s+Markets\s+Authority|White\s+House|USDA|EPA|FDA|NIH|NASA|IRS|HUD|"
    r"FEMA|Pentagon|GOP|Republicans|Democrats|Tories|"
    # A political party is no company ("Trump's hostile takeover of the GOP").
    r"(?:Republican|Democratic|Labou?r|Conservative|Liberal|Green|Communist)\s+Party|"
    r"(?:(?-i:[A-Z])[\w.'’-]*\s+){0,3}Department\s+of\s+(?:the\s+)?"
    r"(?-i:[A-Z])[\w'’-]*(?:\s+(?:and\s+)?(?-i:[A-Z])[\w'’-]*){0,3})",
    re.IGNORECASE,
)


# A name that is only a place or a nationality ("China bought none of the $200 billion of US
# exports", "The Swiss owner of a pulp mill in Alabama") is no company: a government, or a
# word that describes one. Whole names only: "Texas Instruments" and "China Mobile" are firms.
_PLACES = {
    "alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut",
    "delaware", "florida", "georgia", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas",
    "kentucky", "louisiana", "maine", "maryland", "massachusetts", "michigan", "minnesota",
    "mississippi", "missouri", "montana", "nebraska", "nevada", "new hampshire", "new jersey",
    "new mexico", "new york", "north carolina", "north dakota", "ohio", "oklahoma", "oregon",
    "pennsylvania", "rhode island", "south carolina", "south dakota", "tennessee", "texas",
    "utah", "vermont", "virginia", "washington", "west virginia", "wisconsin", "wyoming",
    "america", "africa", "asia", "europe", "australia", "canada", "mexico", "brazil",
    "argentina", "china", "japan", "india", "korea", "south korea", "taiwan", "russia",
    "ukraine", "germany", "france", "italy", "spain", "britain", "england", "scotland",
    "ireland", "israel", "iran", "iraq", "saudi arabia", "qatar", "egypt", "turkey",
    "switzerland", "netherlands", "sweden", "norway", "poland", "singapore", "hong kong",
    "american", "african", "asian", "european", "canadian", "mexican", "chinese", "japanese",
    "indian", "korean", "russian", "german", "french", "italian", "spanish", "british",
    "english", "irish", "israeli", "saudi", "swiss", "dutch", "swedish",
    "yemen", "syria", "lebanon", "jordan", "pakistan", "afghanistan", "bangladesh", "vietnam",
    "thailand", "indonesia", "malaysia", "philippines", "nigeria", "kenya", "ethiopia",
    "south africa", "greece", "portugal", "belgium", "austria", "denmark", "finland",
    "chile", "colombia", "peru", "venezuela", "cuba", "new zealand", "north korea", "gaza",
    "palestine", "kuwait", "bahrain", "oman", "united arab emirates", "uae", "libya", "sudan",
    "morocco", "algeria", "tunisia", "iceland", "hungary", "romania", "czech republic",
}  # fmt: skip


# A politician or official named with the office ("President Donald Trump", "Lt. Gov. Sheila
# Oliver", "Sen. Bryan Townsend") speaks for a government, which is no party to a deal.
_OFFICE = re.compile(
    r"(?:the\s+)?(?:(?:Vice\s+|Former\s+|Lt\.?\s+)?(?:President|Gov\.?|Governor|Sen\.?|Senator|"
    r"Rep\.?|Representative|Mayor|Secretary|Minister|Prime\s+Minister|Chancellor|"
    r"Speaker|Commissioner))(?:\s+(?-i:[A-Z])[\w.'’-]*){1,3}",
    re.IGNORECASE,
)
_FIRM_WORD = re.compile(
    r"\b(?:Inc|Corp|Co|LLC|Ltd|Plc|Capital|Partners|Group|Holdings?|Ventures|Fund|Bank|"
    r"Technologies|Systems|Labs?|AI)\b\.?",
)


def is_authority(name: str) -> bool:
    """Tell whether `name` is a regulator or government ("FCC", "Department of Justice"), an
    official named with the office ("President Donald Trump"), or only a place or a
    nationality ("China", "Alabama", "Swiss"): no party to a deal."""
    bare = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE).strip(" .").lower()
    return (
        bool(_AUTHORITY.fullmatch(name.strip()))
        # "Justice Department’s Antitrust Division": a part of one
        or bool(re.match(_AUTHORITY.pattern + r"['’]s\s", name.strip(), re.IGNORECASE))
        or bool(_OFFICE.fullmatch(name.strip()) and not _FIRM_WORD.search(name))
        or bare in _PLACES
        # "East Tennessee", "Northern California", "Greater Boston"
        or re.sub(_DIRECTION, "", bare) in _PLACES
    )


_DIRECTION = (
    r"^(?:east|west|north|south|northern|southern|eastern|western|central|upstate|downstate|"
    r"greater|rural|coastal)\s+"
)


def sells(name: str, sentence: str) -> bool:
    """Tell whether `name` is who sells ("A&P has since sold off 120 of its 300 supermarkets
    ... to three grocery chains", "Valspar sold its wood-coating business to Axalta"): no
    buyer. Not "Twitter agrees to sell itself", where the seller is the target."""
    pattern = (
        rf"{_subject(_name_re(name) + _SUFFIX)}(?:since\s+)?"
        r"(?:sold|sells|sell|selling)\b(?!\s+(?:itself|themselves)\b)"
    )
    return bool(re.search(pattern, sentence, re.IGNORECASE))


def before_the_one_meant(name: str, sentence: str) -> bool:
    """Tell whether `name` is listed before the one name a relative clause that states the deal
    is about: "These services include Trump's Truth Social and Parler, which Kanye West
    recently said he would acquire" (Parler only; no deal word stands before the list)."""
    hit = re.search(
        rf"(?<![\w-]){_name_re(name)}\s*,?\s+and\s+{_LIST_NAME}\s*,\s*(?:which|that)\b"
        rf"[^.;]*\b{_BUY_VERB}\b",
        sentence,
    )
    return hit is not None and not re.search(
        rf"\b(?:{_BUY_VERB}|{_DEAL_NOUN}|merg\w*|invest\w*|stakes?)\b",
        sentence[: hit.start()],
        re.IGNORECASE,
    )


def works_at(name: str, target: str, sentence: str) -> bool:
    """Tell whether the sentence says that `name` joined, left or worked at the target ("James
    left 21st Century Fox in 2019 when the company was sold to Disney"): someone there, no
    buyer of it, unless the words also make it one."""
    pattern = (
        rf"{_subject(_name_re(name) + _SUFFIX)}(?:later\s+|then\s+|also\s+)?"
        r"(?:left|quit|joined|rejoined|resigned\s+from|departed|worked\s+(?:at|for)|"
        rf"stepped\s+down\s+(?:from|at))\s+(?:the\s+)?{_name_re(target)}(?![\w-])"
    )
    hit = re.search(pattern, sentence, re.IGNORECASE)
    return (
        hit is not None
        and role_of(name, sentence) is None
        # not "Larch joined Quintel and later bought it"
        and not re.match(rf"[^.;]*?\band\s+(?:\w+\s+)?{_BUY_VERB}", sentence[hit.end() :], re.I)
    )


_OWN_DEAL = (
    r"\s?['’]s\s+(?:[\w$.,%-]+\s+){0,4}?(?:acquisition|purchase|takeover|buyout)\b(?!\s+by\b)"
)


def owns_the_deal(name: str, sentence: str) -> bool:
    """Tell whether the sentence names the acquisition as `name`'s ("Sinclair's RSN
    acquisition", "Amazon's $3.9 billion purchase"): the buyer, where others named with it
    (the seller announcing it too) are not."""
    return bool(re.search(rf"(?<![\w-]){_name_re(name)}{_SUFFIX}{_OWN_DEAL}", sentence))


# A count before a name makes it things, not a company: "owns 55 Dreamliners", "bought 20
# Walgreens stores". A year or a day of the month is no count ("in 2017 Amazon bought",
# "On Aug. 23, Sinclair").
_COUNT_BEFORE = r"(?<![\w$€£.,])(?!(?:19|20)\d\d\b)\d{1,3}(?:,\d{3})*\s+"
_MONTH_BEFORE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?\s*$", re.IGNORECASE
)


def _counted(name: str, sentence: str) -> bool:
    return any(
        not _MONTH_BEFORE.search(sentence[: m.start()])
        for m in re.finditer(rf"{_COUNT_BEFORE}{_name_re(name)}\b", sentence)
    )


# A name that only describes the thing bought ("its San Francisco hub", "a 25% stake in the
# Hamburg harbor", "acquiring TV deals", "the Prudhoe Bay field") is no party.
_HEAD_AFTER = (
    r"\s+(?:hubs?|harbou?rs?|ports?|airports?|fields?|routes?|plants?|factor(?:y|ies)|"
    r"facilit(?:y|ies)|campus|deals|rights|contracts|licen[cs]es|relief|chassis|data|"
    r"records|files|footage|units?|rules|regulations|fans|players)\b"
)
# Money put into a place, not a company: "walking away from Maryville after investing nearly $1
# million there".
_INVESTED_THERE = re.compile(r"\binvest\w*\s+(?:[\w$.,%-]+\s+){0,5}?there\b", re.IGNORECASE)


def _every_mention(name: str, sentence: str, test: Callable[[re.Match[str]], Any]) -> bool:
    """Tell whether `name` occurs in the sentence as a whole word and `test` holds for each
    occurrence (its match)."""
    hits = list(re.finditer(rf"(?<![\w-]){_name_re(name)}(?![\w-])", sentence))
    return bool(hits) and all(test(m) for m in hits)


def _modifier(name: str, sentence: str) -> bool:
    return _every_mention(
        name, sentence, lambda m: re.match(_HEAD_AFTER, sentence[m.end() :], re.IGNORECASE)
    )


_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_NUMBER_WORD = re.compile(
    rf"(?:{_UNITS}|ten|eleven|twelve|(?:thir|four|fif|six|seven|eigh|nine)teen|"
    rf"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-(?:{_UNITS}))?|"
    r"hundreds?|thousands?|dozens?)",
    re.IGNORECASE,
)


_PLACE_BEFORE = (
    r"(?:(?:north|south|east|west)(?:east|west)?(?:ern)?\s+of|"
    r"(?:compan(?:y|ies)|firm|maker|makers|plant|factory|store|stores|office|offices|based|"
    r"headquartered|located|school|hospital)\s+in)\s+(?:the\s+)?"
)
# A generic plural is no name: "Small companies can now sell up to $50 million in shares".
_GENERIC_PLURAL = re.compile(
    r"\s(?:companies|firms|businesses|investors|start-?ups|banks|lenders|owners|buyers)$"
)


def _placed(name: str, sentence: str) -> bool:
    """Tell whether every occurrence of `name` is where something is ("300 miles southeast of
    Portland", "a lumber company in Brentwood"): a place."""
    return _every_mention(
        name,
        sentence,
        lambda m: re.search(_PLACE_BEFORE + r"$", sentence[: m.start()], re.IGNORECASE),
    )


# Days and months are no party ("announced the purchase Tuesday", "purchase Aug. 31"), nor are
# roads and holidays, which merge too ("merges with Interstate 90", "Lee-Jackson-King Day").
_CALENDAR = {
    n.lower()
    for n in (*calendar.month_name, *calendar.month_abbr, *calendar.day_name, *calendar.day_abbr)
    if n
} | {"sept", "tues", "thurs"}
_ROAD_OR_HOLIDAY = re.compile(
    r"(?:Interstate|Highway|Route|State\s+Route|U\.?S\.?\s+Route|I)[\s-]*\d+[A-Z]?|.*[\s-]Day",
    re.IGNORECASE,
)


def _no_party(name: str, sentence: str) -> bool:
    """Tell whether `name` can be no buyer or target in `sentence`: a regulator, a place, a
    pronoun or generic noun, the seller ("bought ... from X"), things counted ("owns 55
    Dreamliners"), a word describing the thing bought ("its San Francisco hub"), a day or a
    month, a road or a holiday."""
    return (
        not re.search(r"[^\W\d_]", name)  # "acquired 71 of those locations": a number
        or bool(_NUMBER_WORD.fullmatch(name.strip()))  # "Twelve of the stores ... sold to"
        or is_authority(name)
        or name.lower() in _NOT_A_PARTY
        or role_of(name, sentence) == "seller"
        or _counted(name, sentence)
        or _modifier(name, sentence)
        or _placed(name, sentence)
        or bool(_GENERIC_PLURAL.search(name))
        or name.strip(" .").lower() in _CALENDAR
        or bool(_ROAD_OR_HOLIDAY.fullmatch(name.strip(" .")))
        or renamed(name, sentence)
    )


# A name the words put in no deal of the sentence as what is bought:
# - a company's later or earlier name after it: "acquired by Anheuser-Busch (now Anheuser-Busch
#   InBev)";
# - who once lived in or made the thing bought: "bought a New York mansion once occupied by
#   Michael Jackson";
# - what the money went on to create: "accepted more than $100 million from Blavatnik to
#   establish the Blavatnik School of Government";
# - who helped a raise: "He raised £30 million with the aid of start-up accelerator Y
#   Combinator".
_RENAMED_BEFORE = re.compile(r"\(\s*(?:now|formerly|previously|later|then)\s+(?:called\s+)?$", re.I)
_NOT_BOUGHT_BEFORE = re.compile(
    r"(?:\b(?:occupied|inhabited|lived in|designed|built|founded|(?:once|formerly|previously)"
    r"\s+owned)\s+by|\bto\s+(?:establish|found|create|build|launch|set\s+up|start)|"
    r"\bwith\s+the\s+(?:aid|help|support|backing)\s+of)"
    r"\s+(?:(?:the|a|an|mega-pop|pop|start-?up|star|accelerator|incubator|[a-z]+-[a-z]+)\s+)*$",
    re.IGNORECASE,
)


def renamed(name: str, sentence: str) -> bool:
    """Whether every mention of `name` in the sentence is another name of the party before it,
    in brackets: "Anheuser-Busch (now Anheuser-Busch InBev)"."""
    return _every_mention(name, sentence, lambda m: _RENAMED_BEFORE.search(sentence[: m.start()]))


def not_bought(name: str, sentence: str) -> bool:
    """Whether the words make `name` no target of the sentence's deal (see `_NOT_BOUGHT_BEFORE`):
    each time the sentence names it, words that make it the maker, former owner or occupant of
    what was bought, what the money went on to create, or a helper of a raise, stand before;
    or the money went "there", to a place (`_INVESTED_THERE`). A later name in brackets is
    `renamed`, part of `_no_party`."""
    if _INVESTED_THERE.search(sentence):
        return True
    return _every_mention(
        name,
        sentence,
        lambda m: _NOT_BOUGHT_BEFORE.search(sentence[max(0, m.start() - 80) : m.start()]),
    )


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


_CONNECTORS = {"of", "and", "&", "de", "du", "la", "von", "van", "der", "for"}


def _name_part(text: str) -> str:
    """The leading run of capitalised words: "Fox at the end of 2014" -> "Fox".

    Connectors stay when a capitalised word follows ("Bank of America"); a lower-case first
    word is kept as it is (the capital check below rejects it).
    """
    words = text.split()
    if not words or not re.match(r"[A-Z0-9]|[a-z]+[A-Z]", words[0]):
        return text
    keep = 1
    while keep < len(words):
        w = words[keep]
        if re.match(r"[A-Z0-9&]|[a-z]+[A-Z]", w):
            keep += 1
        elif w.lower() in _CONNECTORS and keep + 1 < len(words) and words[keep + 1][:1].isupper():
            keep += 2
        else:
            break
    return " ".join(words[:keep])


# "Proceed with Virgin America Acquisition" (a headline): the deal word is no part of the name.
_DEAL_WORD_AFTER = re.compile(r"\s+(?:Acquisition|Merger|Deal|Purchase|Takeover|Buyout)$")


# "American investor Todd Boehly", "Chinese tech giant Alibaba", "Texas oil producer Pioneer":
# a nationality or place, up to two more words, and a noun saying what someone is, before the
# name of who it is.
_ROLE_NOUN = (
    r"(?:(?!(?:after|under|over|other|former|later|earlier|either|neither|whether|rather|"
    r"together|never|ever|per|or|for)\b)[a-z-]+(?:er|or|ist|maker|man|woman)|billionaire|"
    r"tycoon|magnate|giant|company|firm|group|fund|bank|conglomerate|consortium|start-?up|"
    r"club|team|chain|network|platform|app|brand|outlet|unicorn|business|heir|family)"
)
_DESCRIBED = (
    r"(?<![\w-]){name}(?:\s+(?!(?:and|or|of|in|at|to|for|from|with|by|the|a|an|that|which|"
    r"who|is|was|has|had|have|said|says)\b)[a-z][\w-]*){{0,2}}\s+{role}\s+"
    r"(?P<name>(?-i:[A-Z])[\w&.'’-]*(?:\s+(?:(?-i:[A-Z])[\w&.'’-]*|of|&)){{0,3}})"
)


def described(name: str, sentence: str) -> str | None:
    """The name that a nationality or place stands before in `sentence` ("American investor
    Todd Boehly" -> "Todd Boehly"), when there is one such name; None otherwise. The model
    often gives the nationality, the first capitalised word, for the party."""
    if name.strip().lower() not in _PLACES:
        return None
    pattern = _DESCRIBED.format(name=_name_re(name), role=_ROLE_NOUN)
    found = {_name_part(m.group("name")) for m in re.finditer(pattern, sentence)}
    found = {n for n in found if n.lower() not in _PLACES and n.lower() not in _NOT_A_PARTY}
    return found.pop() if len(found) == 1 else None


# "'s" that ends a clause is part of a name ("merged with fast-food giant Wendy's."), not a
# possessive, which a noun follows ("Sinclair's purchase").
_NAME_S = r"['’]s(?=\s*(?:[.,;:!?)\"”]|$|\s(?:and|or|in|for|from|with|at|on|by|to)\b))"


def _with_s(name: str, sentence: str) -> str:
    """`name`, with the "'s" that ends a clause after it in `sentence` ("Wendy's")."""
    if re.search(r"['’]s$", name):
        return name
    hits = list(re.finditer(rf"(?<![\w-]){_name_re(name)}(?=['’]s)", sentence))
    if hits and all(re.match(_NAME_S, sentence[m.end() :]) for m in hits):
        return name + sentence[hits[0].end() : hits[0].end() + 2]
    return name


def _with_amp(name: str, sentence: str) -> str:
    """`name`, with the "& Convicts" that follows it in `sentence` ("Kings & Convicts",
    "Procter & Gamble"): an ampersand joins one name."""
    hit = re.search(rf"(?<![\w&-]){_name_re(name)}(\s*&\s*(?-i:[A-Z])[\w'’-]*)(?![\w&])", sentence)
    return name + hit.group(1) if hit else name


# Where a company is, or who stands behind it: "Memphis-headquartered Fred's Inc.",
# "San Francisco-based Virgin America", "SoftBank-backed Didi" (no part of the name).
_BASED_WORDS = (
    r"(?:(?-i:[A-Z])[\w.'’]*\s+){0,3}(?-i:[A-Z])[\w.'’]*-(?:based|headquartered|born|backed|"
    r"owned|listed|controlled|run)\s+"
)
_BASED = re.compile(rf"^{_BASED_WORDS}(?=(?-i:[A-Z0-9]))", re.IGNORECASE)


# A question's first word before a name: "Will Elon Musk's purchase of Twitter mean more hate?"
_ASKING = re.compile(
    r"^(?:Will|Would|Can|Could|Should|Shall|Does|Did|Do|Is|Was|Are|Were|Has|Have|Had|Why|How)"
    r"\s+(?=(?-i:[A-Z]))"
)


def _unasked(name: str, sentence: str) -> str:
    """`name` without the word that opens a question it starts ("Will Elon Musk" -> "Elon
    Musk", when the sentence is a question that begins with it)."""
    if sentence.rstrip().endswith("?") and sentence.lstrip().startswith(name):
        rest = _ASKING.sub("", name)
        return rest or name
    return name


def checked_name(name: Any, sentence: str) -> str | None:
    """`name` as it occurs in `sentence`, or None when it does not occur or is not a party."""
    if not isinstance(name, str):
        return None
    # The model likes to explain: "WhatsApp (messaging service)", "Fox at the end of 2014".
    name = re.split(r"\s*[(\[,;]", _squash(name), maxsplit=1)[0].strip(" .:\"'“”‘’")
    name = re.sub(r"^(?:the)\s+", "", name, flags=re.IGNORECASE)
    name = _BASED.sub("", name)
    name = _name_part(name)
    name = described(name, sentence) or name
    name = re.sub(r"\s*['’]s$", "", name)
    name = _DEAL_WORD_AFTER.sub("", name)
    if not name or name.lower() in _NOT_A_PARTY:
        return None
    found = re.search(r"(?<!\w)" + _name_re(name) + r"(?!\w)", sentence, re.IGNORECASE)
    if not found:
        found = _short_name(name, sentence)
    if not found:
        return None
    surface = _with_s(_unasked(sentence[found.start() : found.end()], sentence), sentence)
    surface = _with_amp(surface, sentence)
    if found.start() == 0 and re.match(r"\s*[:—–]", sentence[found.end() :]):
        return None  # a dateline ("Denver: Marijuana sales..."), not a party
    # A proper name as written: capitalised ("Alibaba", "3M") or camel-cased ("eBay").
    return surface if re.match(r"[A-Z0-9]|[a-z]+[A-Z]", surface) else None


# First words that name no company alone: "General" of General Motors, "United" of United
# Technologies.
_NOT_SHORT = {
    "general", "united", "american", "national", "first", "new", "bank", "royal", "global",
    "international", "southern", "northern", "western", "eastern", "central", "pacific",
    "atlantic", "north", "south", "east", "west", "great", "big", "the", "saint", "san", "st",
    "mr", "ms", "mrs", "dr", "sir", "lord",
}  # fmt: skip


def _short_name(name: str, sentence: str) -> re.Match[str] | None:
    """Where the sentence names the company `name` by its first words only, as articles do
    after the first mention: the model's "Goldman Sachs" for "Goldman also took another step
    ... by acquiring Honest Dollar", "Lucid Motors Inc." for "Lucid is working on its fourth
    funding round". The shorter name must stand alone (no capitalised word after it:
    "General" in "General Electric" is no "General Motors") and be no place or generic word."""
    words = name.split()
    for keep in range(len(words) - 1, 0, -1):
        short = " ".join(words[:keep]).rstrip(".,")
        if (
            len(short) < 3
            or not re.match(r"[A-Z0-9]|[a-z]+[A-Z]", words[keep - 1])  # not "Jet and"
            or short.lower() in _NOT_SHORT
            or short.lower() in _PLACES
        ):
            continue
        hit = re.search(
            r"(?<![\w&.'’-])" + _name_re(short) + r"(?![\w&’-])(?!\s+(?-i:[A-Z]))", sentence
        )
        if hit:
            return hit
    return None


def _name_re(name: str) -> str:
    """`name` as a regular expression that lets any run of spaces stand for its spaces."""
    return re.escape(name).replace(r"\ ", r"\s+")


_ABBREVIATED = re.compile(r"\b(?:Co|Corp|Inc|Ltd|Plc|Bros|Cos)$")


def _name_as_written(name: str) -> str:
    """`_name_re(name)`, where a name ending in an abbreviation may keep its full stop in the
    sentence ("Boeing Co. 's bid", "Lucid Motors Inc. is raising"), and a web name may go
    without its ".com" ("Amazon.com ... give Amazon a 15% stake")."""
    if re.search(r"\w\.com$", name, re.IGNORECASE):
        return _name_re(name[:-4]) + r"(?:\.com)?"
    return _name_re(name) + (r"\.?" if _ABBREVIATED.search(name) else "")


_REPORTS = r"(?:reported|reports|said|says|wrote|writes|noted|notes|first\s+reported)"


def is_source(name: str, sentence: str) -> bool:
    """Tell whether `name` is who reports the deal ("Bloomberg said", "according to Reuters")."""
    n = _name_re(name)
    return bool(
        re.search(
            rf"\b(?:according\s+to|report(?:ed)?\s+by|reports?\s+from|told|"
            rf"(?:said|says|spoke|speaking|talked|talking)\s+to)\s+(?:the\s+)?{n}\b",
            sentence,
            re.IGNORECASE,
        )
        # Not "Ford said it was investing": who says "it" does something is a party to it.
        or re.search(
            rf"\b{n}(?:\s*,[^,]{{0,60}},)?\s+{_REPORTS}\b(?!\s+(?:that\s+)?(?:it|its)\b)",
            sentence,
            re.IGNORECASE,
        )
        # ... but who reports or writes that "it" did is a newsroom ("the Wall Street Journal
        # reported it walked away from a deal to be acquired by Microsoft").
        or re.search(
            rf"\b{n}(?:\s*,[^,]{{0,60}},)?\s+(?:first\s+)?(?:reported|reports|wrote|writes)\b",
            sentence,
            re.IGNORECASE,
        )
    )


_RAISING = (
    r"(?:is\s+|was\s+|has\s+|had\s+|have\s+)?(?:seek(?:s|ing)?|sought|rais(?:es|ed|ing)|"
    r"secur(?:es|ed|ing)|clos(?:es|ed)\s+an?)\b"
)


def raises_money(name: str, sentence: str) -> bool:
    """Tell whether `name` is the subject of raising money ("Veldt, a Dutch startup, raised")."""
    n = _name_as_written(name)
    return bool(re.search(rf"\b{n}(?:\s*,[^,]{{0,80}},)?\s+{_RAISING}", sentence, re.IGNORECASE))


# Where a name stands around a deal word tells its side, whatever the model said:
# "acquisition of Whole Foods", "the Embraer acquisition", "bought Nest" (the target) against
# "Amazon's acquisition", "Ford said it was investing", "acquired by PayPal" (the buyer).
_DEAL_NOUN = r"(?:acquisitions?|purchases?|takeovers?|buyouts?)"
_BUY_VERB = (
    r"(?:acquir(?:e|es|ed|ing)|buy(?:s|ing)?|bought|purchas(?:e|es|ed|ing)|"
    r"t(?:ake|akes|ook|aking)\s+over)"
)
_SUFFIX = r"(?:\s*,?\s+(?:Co|Corp|Inc|Ltd|LLC|Plc|SA|AG|NV|Group|Holdings?)\b\.?)*"
_ADJ = (
    r"(?:(?:the|a|an|its|their|rival|fellow|smaller|larger|startup|start-up)\s+"
    rf"|{_BASED_WORDS})*"
)
_MONEY_WORDS = r"(?:\$\s?[\d.,]+\s*(?:million|billion|bn|m)?\s+)?"
_STAKE = (
    r"(?:a|an)\s+(?:\d+(?:\.\d+)?\s*(?:%|percent)\s+)?(?:[\w-]+\s+)?"
    r"(?:stake|holding|ownership\s+stake)\b"
)
_AUX = (
    r"(?:(?:has|have|had|will|would|could|is|was|are|were|plans\s+to|agreed\s+to|agrees\s+to|"
    r"is\s+set\s+to|set\s+to|is\s+expected\s+to|expects\s+to|wants\s+to|aims\s+to|"
    r"said\s+it\s+would|said\s+it\s+will|said\s+it\s+was|to|also|already|recently|"
    r"previously|finally)\s+)*"
)


# A list of names after a plural deal noun: "the acquisitions of Pixar, Marvel, and Lucas".
_LIST_NAME = r"(?-i:[A-Z])[\w&.'’-]*(?:\s+(?-i:[A-Z])[\w&.'’-]*){0,3}"
_LIST_OF = r"\b(?:acquisitions|purchases|takeovers|buyouts)\s+of\s+"
_LOWER = r"(?:(?-i:[a-z])[\w-]*\s+){0,3}"  # "between pharmacy giants Walgreens and ..."
_BOUGHT = r"acquired|bought|purchased|taken\s+over|(?:acquisition|purchase|takeover|buyout)s?"


def _subject(n: str) -> str:
    """`n` (a name pattern) as the subject of the verb that follows: "Larch, the grocer, has
    agreed to ..."."""
    return rf"(?<!\w){n}(?:\s*,[^,]{{0,80}},)?\s+{_AUX}"


# Up to three lower-case words that say what the named party is: "the pharmaceutical company".
_DESCRIPTION = (
    r"(?:(?!(?:to|for|and|or|in|of|on|at|with|from|by|the|a|an|its|their|it|be|is|was)\b)"
    r"(?-i:[a-z])[\w-]*\s+){0,3}?"
)


def _buys_outright(n: str, passive: str = _BOUGHT) -> str:
    """The words that make `n` (a name pattern) the buyer outright: "acquired by PayPal",
    "sold Quidsi to Amazon"."""
    return (
        # "acquired by billionaire Elon Musk", "bought by private equity firm Larch"
        rf"(?:\b(?:{passive})\s+by\s+{_ADJ}(?:(?-i:[a-z])[\w-]*\s+){{0,3}}?{n}"
        # "sell its campus to the pharmaceutical company Incyte"
        rf"|\b(?:sell|sells|sold|selling)\b[^.;]{{0,80}}?\bto\s+{_ADJ}{_DESCRIPTION}{n})(?!\w)"
    )


def buys_another(name: str, targets: Sequence[str], sentence: str) -> bool:
    """Tell whether the words make `name`, alone or with others it is listed with, the buyer
    of a named thing that is none of `targets` ("..., while Blum Capital and Golden Gate
    acquired Payless": Blum Capital buys Payless, whatever else the sentence says is bought)."""
    if not targets:
        return False
    n = _name_as_written(name) + _SUFFIX
    subject = (
        rf"(?<![\w&.'’-])(?:{n}(?:\s*,\s*{_LIST_NAME})*(?:\s*,?\s+and\s+{_LIST_NAME})?"
        rf"|(?:{_LIST_NAME}\s*,\s*)*{_LIST_NAME}\s*,?\s+and\s+{n})"
    )
    pattern = rf"{subject}\s+{_AUX}{_BUY_VERB}\s+{_ADJ}{_MONEY_WORDS}{_PROPER}"
    for hit in re.finditer(pattern, sentence, re.IGNORECASE):
        bought = hit.group(hit.lastindex or 0)
        if not any(_same_company(bought, t) or t in bought or bought in t for t in targets):
            return True
    return False


def role_of(name: str, sentence: str) -> str | None:
    """ "buyer" or "target" when the words around `name` say which side of a deal it is on,
    "seller" when they say it sells to the buyer ("bought ... from X"), None when they do not
    (or say both)."""
    n = _name_as_written(name) + _SUFFIX
    target = (
        rf"\b(?:{_DEAL_NOUN}|sale|bid|offer)\s+(?:of|for)\s+{_ADJ}{_MONEY_WORDS}{n}(?!\w)",
        # Every name of a list "A, B and C" after "the acquisitions of" (not "the acquisition
        # of Whole Foods, Amazon has ...": no "and", no list).
        rf"{_LIST_OF}{_ADJ}(?:{_LIST_NAME}\s*,\s*){{0,6}}{_LIST_NAME}\s*,?\s+and\s+{n}(?!\w)",
        rf"{_LIST_OF}{_ADJ}(?:{_LIST_NAME}\s*,\s*){{0,6}}{n}(?:\s*,\s*{_LIST_NAME}){{0,6}}"
        rf"\s*,?\s+and\s+(?-i:[A-Z])",
        rf"\b{_BUY_VERB}\s+{_ADJ}(?:(?:a|its|their)\s+)?(?:\d+(?:\.\d+)?\s*(?:%|percent)\s+)?"
        rf"(?:stake\s+in\s+|shares\s+(?:in|of)\s+)?{_ADJ}{n}(?!\w)",
        rf"\b(?:stakes?|investments?|invest(?:s|ed|ing)?)\s+{_MONEY_WORDS}in\s+{_ADJ}{n}(?!\w)",
        rf"\b(?:the|an?|this|that|his|her|its|their)\s+{_MONEY_WORDS}{n}\s+(?:{_DEAL_NOUN}|deal)\b",
        rf"(?<!\w){n}(?:\s*,[^,]{{0,80}},)?\s+(?:is|was|were|has\s+been|had\s+been|will\s+be|"
        rf"would\s+be|being)\s+(?:acquired|bought|purchased|taken\s+over)\b",
        rf"\bsold\s+{_ADJ}{n}\s+to\b",
        # "Valspar's $9.3 billion purchase by Sherwin-Williams"
        rf"(?<!\w){n}\s*['’]\s?s\s+(?:\w+\s+){{0,2}}{_MONEY_WORDS}{_DEAL_NOUN}\s+by\b",
        # "integrating merger partner Virgin America", "the acquisition target Twitter"
        rf"\b(?:merger|acquisition|takeover|buyout)\s+(?:partner|target)\s+{n}(?!\w)",
        # Mergers: "merged last year with the Boston Beer Co.", "its tie-up with Safeway", "the
        # Albertsons-Safeway merger", "a merger between Walgreens and Rite Aid": the second
        # company named is the target, as annotators of mergers mark it.
        rf"\b(?:merg(?:e|es|ed|ing|er)|tie-up|combination)(?:\s+[\w']+){{0,5}}?\s+with\s+"
        rf"{_ADJ}{n}(?!\w)",
        rf"(?-i:[A-Z])[\w&.'’]*\s*[-–]\s*{n}\s+(?:\w+\s+)?(?:mega-?)?merger\b",
        rf"\bmerger\s+(?:between|of)\s+{_LOWER}{_LIST_NAME}\s+and\s+{_LOWER}{n}(?!\w)",
    )
    buyer = (
        rf"(?<!\w){n}\s*['’]\s?s\s+(?:\w+\s+){{0,2}}{_MONEY_WORDS}(?:{_DEAL_NOUN}|bid|offer|"
        rf"investments?)\b(?!\s+by\b)",
        rf"{_subject(n)}(?:{_BUY_VERB}|invest(?:s|ed|ing)?)\b(?!\s+by\b)",
        _buys_outright(n, rf"{_BOUGHT}|backed|led"),
        rf"(?<![\w-]){n}\s*[-–]\s*(?-i:[A-Z])[\w&.'’]*(?:\s+(?-i:[A-Z])[\w&.'’]*){{0,3}}\s+"
        rf"(?:\w+\s+)?(?:mega-?)?merger\b",
        rf"\bmerger\s+(?:between|of)\s+{_LOWER}{n}\s+and\s+(?-i:[A-Z])",
        # Who is given or takes a stake holds it: "a deal that could give Amazon a 15% stake
        # in the airline", "Nordwind will take a 10% stake".
        rf"\bgiv(?:e|es|en|ing)\s+{_ADJ}{n}\s+{_STAKE}",
        rf"{_subject(n)}(?:take|takes|took|taking|get|gets|got|receive|receives|received)\s+"
        rf"{_STAKE}",
    )
    is_target = any(re.search(p, sentence, re.IGNORECASE) for p in target)
    is_buyer = any(re.search(p, sentence, re.IGNORECASE) for p in buyer)
    if is_target == is_buyer:
        if not is_target and re.search(
            rf"\b(?:{_BUY_VERB}|{_DEAL_NOUN})\b[^.;]{{0,80}}?\bfrom\s+{_ADJ}{n}(?!\w)",
            sentence,
            re.IGNORECASE,
        ):
            return "seller"  # "purchased 73 acres ... from the Port of Portland"
        return None
    return "target" if is_target else "buyer"


_PROPER = r"((?-i:[A-Z])[\w&.'’-]*(?:\s+(?:(?-i:[A-Z])[\w&.'’-]*|of\s+(?-i:[A-Z])[\w&.'’-]*))*)"
_TARGET_AFTER = re.compile(
    rf"\b(?:{_DEAL_NOUN}\s+of|{_BUY_VERB}|bid\s+for|offer\s+for|stakes?\s+in)\s+"
    rf"{_ADJ}{_MONEY_WORDS}{_PROPER}",
    re.IGNORECASE,
)


def _bought_by(name: str, sentence: str) -> bool:
    """Tell whether the words say outright that `name` buys: "sold Quidsi to Amazon",
    "acquired by PayPal" (not "paid 13 times Ebitda to acquire", where the name before "to
    acquire" is what is paid)."""
    # Not "selling its reputation to Putin's associates".
    pattern = _buys_outright(_name_re(name) + _SUFFIX) + r"(?!\s*['’]s\b)"
    return bool(re.search(pattern, sentence, re.IGNORECASE))


def named_target(sentence: str) -> str | None:
    """The one name the words around it mark as a deal's target ("its acquisition of Jet.com",
    "acquiring Whole Foods"); None when there is none or more than one."""
    found = {
        name
        for m in _TARGET_AFTER.finditer(sentence)
        if (name := checked_name(m.group(1), sentence))
        and role_of(name, sentence) == "target"
        and not _no_party(name, sentence)
    }
    return found.pop() if len(found) == 1 else None


# "it", "its" and "the company" stand for a company named before them. Where the words around
# such a reference make it a deal's buyer ("it will acquire Whole Foods", "its $3 billion
# acquisition of Jet.com"), the company it stands for is the buyer. Not for targets: in "Uber
# bought it" the company is the previous sentence's startup, named once, while the article's
# most named company there is Google (tried on SENTiVENT: the one such target came out wrong).
_REF_NOUN = (
    r"the\s+(?:company|firm|group|retailer|carrier|airline|bank|lender|insurer|drugmaker|"
    r"automaker|carmaker|chipmaker|conglomerate|startup|start-up)"
)
_REF_BUYER = (
    re.compile(
        rf"\b(?P<ref>it|{_REF_NOUN})(?:\s*,[^,]{{0,80}},)?\s+{_AUX}"
        rf"(?:{_BUY_VERB}|invest(?:s|ed|ing)?)\b(?!\s+by\b)",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b(?P<ref>its|{_REF_NOUN}\s*['’]\s?s)\s+(?:[\w-]+\s+){{0,2}}{_MONEY_WORDS}"
        rf"(?:{_DEAL_NOUN}|bid|offer|stakes?|investments?)\s+(?:of|for|in)\b",
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
_NAME_RUN = re.compile(_PROPER.replace(r"\s+", r"[ \t]+"))  # a name does not cross a line
LOOK_BACK = 2  # sentences before the reference's own where the company may be named


def company_key(name: str) -> str:
    """What two names of one company share: the first word, lower-cased ("Amazon.com Inc.",
    "Amazon" -> "amazon")."""
    first = name.split()[0].lower() if name.split() else ""
    return re.sub(r"\.com$", "", first.strip(".,'’"))


def _companies(text: str, start: int, end: int) -> Iterator[tuple[str, str, int]]:
    """(name, its key: the first word lower-cased, offset) for each name run in text[start:end]."""
    for m in _NAME_RUN.finditer(text, start, end):
        words = m.group(1).split()
        while words and words[0].lower().strip(".,'’") in _NOT_COMPANY:
            words.pop(0)  # "The Boston-based company", "But Amazon"
        if not words:
            continue
        name = re.sub(r"\s*['’]s$", "", " ".join(words)).strip(".,")
        key = company_key(name)
        if len(key) > 1 and key not in _NOT_COMPANY:
            yield name, key, m.start(1) + m.group(1).find(words[0])


def antecedent(text: str, at: int, title: str | None = None) -> tuple[str, int] | None:
    """The company that "it" or "the company" at offset `at` of `text` most likely stands for,
    with the offset where that name occurs; None when no company is a clear candidate.

    The candidates are the names before `at` in its own sentence or, when none of those is a
    company the article names twice, in the LOOK_BACK sentences before it; of those, the one
    the article (with its title) has named most often so far wins (news names its subject
    company again and again, a passing analyst or city once), the nearest on a tie. A name
    seen only once is no candidate.
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
            if counts.get(key, 0) >= 2
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
    r"network|studio|newspaper|paper|retailer|airline|carrier|brand)"
)
_REF_TARGET = (
    # not "buy the company's products"
    re.compile(rf"\b{_BUY_VERB}\s+(?P<ref>{_REF_TARGET_NOUN})\b(?!\s*['’])", re.IGNORECASE),
    re.compile(
        rf"\b(?P<ref>{_REF_TARGET_NOUN})\s+(?:was|is|has\s+been|had\s+been|will\s+be|would\s+be)"
        r"\s+(?:bought|acquired|purchased|sold|taken\s+over)\b",
        re.IGNORECASE,
    ),
)


def _ref(sentence: str, patterns: tuple[re.Pattern[str], ...]) -> re.Match[str] | None:
    for pattern in patterns:
        m = pattern.search(sentence)
        if m:
            return m
    return None


def _pick(amounts: list[Money], number: Any) -> Money | None:
    if isinstance(number, int) and not isinstance(number, bool) and 1 <= number <= len(amounts):
        return amounts[number - 1]
    return None


def amounts_prompt(amounts: list[Money]) -> str:
    """The numbered amounts line the model picks from."""
    if not amounts:
        return "Amounts: none"
    return "Amounts: " + " ".join(f"[{i}] {m.text}" for i, m in enumerate(amounts, 1))


def user_prompt(sentence: str, amounts: list[Money]) -> str:
    return f"Sentence: {_squash(sentence)}\n{amounts_prompt(amounts)}"


_WORDS_NAME = re.compile(_PROPER)


def _words_names(sentence: str) -> list[str]:
    """The company names of `sentence`: runs of capitalised words less their opening words
    ("But Alaska Airlines", "In late 2016"), not places, months or "San Francisco-based", as
    `checked_name` gives them."""
    names: list[str] = []
    for m in _WORDS_NAME.finditer(sentence):
        words = m.group(1).split()
        while words and words[0].lower().strip(".,'’") in _NOT_COMPANY:
            words.pop(0)
        name = checked_name(" ".join(words), sentence) if words else None
        if (
            name
            and name.lower() not in _NOT_COMPANY
            and not name.endswith("-based")
            and name not in names
        ):
            names.append(name)
    return names


def words_form(sentence: str, amounts: list[Money]) -> dict[str, Any] | None:
    """The form the sentence's words alone fill, when they name both sides of one deal and
    the model did not: "Boeing's reported bid for Embraer" (the model said no deal), "Ford
    said it was investing $1 billion in Argo AI" (the model said an acquisition, which no word
    of the sentence states). Exactly one name must be marked a buyer and one a target
    (`role_of`); the amount is the sentence's only money span, if it has just one."""
    names = [n for n in _words_names(sentence) if not is_source(n, sentence)]
    roles = {n: role_of(n, sentence) for n in names if not is_authority(n)}
    buyers = [n for n, r in roles.items() if r == "buyer"]
    targets = [n for n, r in roles.items() if r == "target"]
    if len(buyers) != 1 or len(targets) != 1 or _same_company(buyers[0], targets[0]):
        return None
    if KIND_WORDS["acquisition"].search(sentence):
        kind = "acquisition"
    elif KIND_WORDS["stake"].search(sentence):
        kind = "stake"
    else:
        return None
    form: dict[str, Any] = {"deal": True, "type": kind, "buyers": buyers, "target": targets[0]}
    if len(amounts) == 1:
        form["amount"] = 1
    return form


# "following Musk's takeover", "Sinclair's RSN acquisition": a buyer's deal, named by its
# buyer alone. What was bought is in the words between, or in another sentence.
_OWNED_DEAL = re.compile(
    r"(?-i:[A-Z])[\w&.-]*['’]s?\s+(?P<between>(?:[\w$.,-]+\s+){0,3}?)"
    r"(?:takeovers?|acquisitions?|purchases?|buyouts?|mergers?)\b"
    r"(?!\s+(?:of|for|with|by|between|from)\b)(?!\s*(?:-|–)?\s*(?-i:[A-Z]))",
    re.IGNORECASE,
)


def unmarked_target(target: str, sentence: str) -> bool:
    """Tell whether `target` is a guess: the sentence names its deal only as a buyer's ("the
    restructuring following Musk's takeover, he told a court during a trial over his Tesla
    pay package"), no other deal word is in it, and nothing in the words makes `target`
    what was bought. The model then picks another name of the sentence (Tesla)."""
    hits = list(_OWNED_DEAL.finditer(sentence))
    if not hits or not nothing_else(sentence, _OWNED_DEAL):
        return False
    if any(target.lower() in h.group("between").lower() for h in hits):
        return False  # "Sinclair's RSN acquisition"
    return role_of(target, sentence) is None


def verify(
    form: dict[str, Any],
    sentence: str,
    amounts: list[Money],
    published: date | None,
    resolve: Resolver | None = None,
) -> list[dict[str, Any]]:
    """Turn the model's form into checked fields, one dict per target (empty: not a deal).

    Names must occur in the sentence; the amount and valuation must be money spans the
    parser found; the stage, round and event date come from rules. With `resolve` (a
    reference's offset in the sentence -> the company it stands for and the sentence naming
    it), a buyer the sentence names only as "it" or "the company" is filled in. When the
    model's form yields no deal but the words name both sides of one (`words_form`), the
    words' form is checked instead, and every field says it was made by rule.
    """
    out = _verify(form, sentence, amounts, published, resolve)
    if out:
        return out
    words = words_form(sentence, amounts)
    if words is None:
        return []
    out = _verify(words, sentence, amounts, published, resolve)
    for fields in out:
        fields["by"] = {k: "rule" for k in fields["by"]}
    return out


def _target_gives_way(
    target: str | None, by_model: bool, raiser: bool, buyers: list[str], sentence: str
) -> bool:
    """Tell whether a mention's target gives way to a buyer the words put on the target's side.

    It does when there is none, or when the model named it and the words do not mark it
    ("Kroger wants to merge with Albertsons": not Kroger). To the company raising a round
    (`raiser`) it also gives way when the words mark it as an investor in the round; it then
    joins `buyers`.
    """
    if not target:
        return True
    if not by_model:
        return False
    role = role_of(target, sentence)
    if role is None:
        return True
    if raiser and role == "buyer":
        if not _among(target, buyers):
            buyers.append(target)
        return True
    return False


def _to_target_side(
    kind: str | None, buyers: list[str], target: str | None, by_model: bool, sentence: str
) -> tuple[str | None, bool, list[str]]:
    """Take out of `buyers` (in place) those the words put on the target's side: in a funding
    round the company raising the money ("MiniMax is seeking at least $600 million": MiniMax
    is no investor), then any name the words mark as the target ("acquisition of Alstom",
    "integrating merger partner Virgin America"). Each one the target gives way to
    (`_target_gives_way`) becomes the target.

    Returns the target, whether one of the taken names replaced it, and the taken names.
    """
    raising = [b for b in buyers if kind == "funding round" and raises_money(b, sentence)]
    turned = raising + [b for b in buyers if b not in raising and role_of(b, sentence) == "target"]
    replaced = False
    for b in turned:
        buyers.remove(b)
        if _target_gives_way(target, by_model and not replaced, b in raising, buyers, sentence):
            target, replaced = b, True
    return target, replaced, turned


def _reversed_party(kind: str | None, buyers: list[str], target: str, sentence: str) -> str | None:
    """The party the model named as the one buyer, when the words make its target the buyer
    instead: the sides read the wrong way round ("a deal that could give Amazon a 15% stake in
    the airline", stored as Hawaiian Airlines buying Amazon.com), so that party is the target.
    None unless that one buyer is unmarked by the words and not listed with the target as a
    co-buyer ("Blum Capital and Golden Gate acquired the chain")."""
    others = [b for b in buyers if not _same_company(b, target)]
    if kind not in ("stake", "acquisition") or len(others) != 1 or len(buyers) > 2:
        return None
    other = others[0]
    if role_of(other, sentence) is not None:
        return None
    a, b = _name_as_written(other), _name_as_written(target)
    listed = rf"(?:{a}{_SUFFIX}\s*(?:,|\band\b|&)\s*{b}|{b}{_SUFFIX}\s*(?:,|\band\b|&)\s*{a})"
    return None if re.search(listed, sentence, re.IGNORECASE) else other


_CAP_NAME = r"[A-Z][\w&.'’-]*(?:\s+(?:of\s+)?[A-Z][\w&.'’-]*)*"
# Two sides of a merger the sentence names: "the 2013 merger of American and US Airways",
# "Kroger's merger with Albertsons", "American Airlines to secure approval for its merger with
# US Airways" (lower-case words only between the name and "its").
_MERGER_SIDES = re.compile(
    rf"\bmerger\s+(?:of|between)\s+(?:the\s+)?(?P<a>{_CAP_NAME})\s+(?:and|with)\s+"
    rf"(?:the\s+)?(?P<b>{_CAP_NAME})|(?P<c>{_CAP_NAME})['’]s\s+(?:\w+\s+)?merger\s+with\s+"
    rf"(?:the\s+)?(?P<d>{_CAP_NAME})|(?P<e>{_CAP_NAME})\s+(?:(?-i:[a-z]+)\s+){{0,6}}?its\s+"
    rf"(?:\w+\s+)?merger\s+with\s+(?:the\s+)?(?P<f>{_CAP_NAME})"
)


def in_another_merger(target: str, buyers: Sequence[str], sentence: str) -> bool:
    """Whether the sentence names `target` as a side of a merger none of `buyers` is the other
    side of: "Virgin acquired some of these assets ... as part of the settlement of the
    lawsuit challenging the 2013 merger of American and US Airways" is no purchase of US
    Airways by Virgin."""
    if not buyers:
        return False
    for hit in _MERGER_SIDES.finditer(sentence):
        one, other = next(
            (hit.group(x), hit.group(y)) for x, y in ("ab", "cd", "ef") if hit.group(x)
        )
        for side, rest in ((one, other), (other, one)):
            if _same_company(side, target) and not any(
                _same_company(b, rest) or _same_company(b, target) for b in buyers
            ):
                return True
    return False


def _buyers_of_other_deals(buyers: list[str], targets: Sequence[str], sentence: str) -> list[str]:
    """The buyers that buy something other than `targets` in the same sentence ("Wolverine
    acquired the group, while Blum Capital and Golden Gate acquired Payless": two deals in one
    sentence, and who buys the other is no buyer of this one); none when every buyer does,
    since the sentence then gives no better reading."""
    others = [b for b in buyers if buys_another(b, targets, sentence)]
    return others if len(others) < len(buyers) else []


def _verify(
    form: dict[str, Any],
    sentence: str,
    amounts: list[Money],
    published: date | None,
    resolve: Resolver | None = None,
) -> list[dict[str, Any]]:
    if not isinstance(form, dict) or form.get("deal") is not True:
        return []
    kind = form.get("type") if form.get("type") in DEAL_TYPES else None
    if kind is None or not KIND_WORDS[kind].search(sentence):
        return []  # no word of that kind of deal in the sentence: the model's guess
    if not states_kind(kind, sentence):
        return []  # "GM will invest $7.7 billion in its plants": spending, not a round
    type_by = "model"
    if kind == "acquisition" and part_stake(sentence):
        kind, type_by = "stake", "rule"  # "the purchase of a 0.6 percent stake in the company"
    buyers: list[str] = []
    for name in form.get("buyers") or []:
        checked = checked_name(name, sentence)
        if (
            checked
            and not is_source(checked, sentence)
            and not is_authority(checked)
            and not _among(checked, buyers)
        ):
            buyers.append(checked)
    lead = checked_name(form.get("lead"), sentence)
    if lead and is_source(lead, sentence):
        lead = None
    if lead and not _among(lead, buyers):
        buyers.insert(0, lead)
    buyers = [b for b in buyers if role_of(b, sentence) != "seller" and not sells(b, sentence)]
    if lead and not _among(lead, buyers):
        lead = None  # a seller, dropped with the buyers above
    target_by = "model"
    target_text = checked_name(form.get("target"), sentence)
    if target_text and (
        is_source(target_text, sentence)
        or _no_party(target_text, sentence)
        or not_bought(target_text, sentence)
    ):
        target_text = None
    # Two companies joined by a hyphen are both sides, no target ("the Alaska Airlines-Virgin
    # America merger"): the second is the target, the first a buyer, as the words say.
    pair = re.fullmatch(r"(.+?)\s*[-–]\s*((?-i:[A-Z]).+)", target_text or "")
    if pair and role_of(pair.group(2), sentence) == "target":
        first = checked_name(pair.group(1), sentence)
        if first and role_of(first, sentence) == "buyer" and first not in buyers:
            buyers.append(first)
        target_text, target_by = checked_name(pair.group(2), sentence), "rule"
    # A buyer the sentence puts on the other side becomes the target, or is dropped when the
    # model's target stands ("merged with Children's Bureau": not an investor).
    target_text, replaced, turned = _to_target_side(
        kind, buyers, target_text, target_by == "model", sentence
    )
    if replaced:
        target_by = "rule"
    if lead in turned:
        lead = None
    # ... and a target the words mark as a buyer ("Boeing's bid for Embraer") joins the buyers.
    target_role = role_of(target_text, sentence) if target_text else None
    if target_text and target_role == "buyer":
        other = _reversed_party(kind, buyers, target_text, sentence)
        if not _among(target_text, buyers):
            buyers.append(target_text)
        target_text = None
        if other:
            buyers.remove(other)
            target_text, target_by = other, "rule"
    marked = named_target(sentence) if kind != "funding round" else None
    if marked and (target_text is None or target_role != "target") and not _among(marked, buyers):
        target_text, target_by = marked, "rule"
    given = [n for n in [*(form.get("buyers") or []), form.get("lead")] if isinstance(n, str)]
    # A buyer no name of the model's holds was made by a rule ("American" -> "Todd Boehly").
    buyers_by = (
        "model" if all(any(b.lower() in g.lower() for g in given) for b in buyers) else "rule"
    )
    # Likewise bystanders the model named as buyers give way to the one name the words mark
    # as buyer ("who previously sold Quidsi to Amazon, now runs Wal-Mart's ...").
    if kind != "funding round" and buyers and all(role_of(b, sentence) is None for b in buyers):
        marked_buyers = [
            n
            for n in _words_names(sentence)
            if n != target_text
            and role_of(n, sentence) == "buyer"
            and _bought_by(n, sentence)
            and not is_source(n, sentence)
            and not _no_party(n, sentence)
        ]
        if (
            len(marked_buyers) == 1
            and not _among(marked_buyers[0], buyers)
            and not (target_text and _same_company(marked_buyers[0], target_text))
        ):
            buyers, lead, buyers_by = marked_buyers, None, "rule"
    refs: dict[str, dict[str, Any]] = {}
    if resolve is not None:
        # "it will acquire Whole Foods": the buyer is the company "it" stands for.
        hit = _ref(sentence, _REF_BUYER)
        if hit and _SELLING.search(sentence[: hit.start()]):
            hit = None  # "agreed to sell its stake in GM East Africa": the seller
        found = resolve(hit.start("ref")) if hit else None
        if hit and found and not _same_company(found[0], target_text):
            known = next((b for b in buyers if _same_company(b, found[0])), None)
            if known or not buyers:
                if known is None:
                    buyers.append(found[0])
                    buyers_by = "rule"
                refs[known or found[0]] = _ref_record(hit, found[1])
    if resolve is not None and target_text is None and kind in ("acquisition", "stake"):
        # "bought the club": the company the article is about, when its title names it.
        hit = _ref(sentence, _REF_TARGET)
        found = resolve(hit.start("ref"), subject=True) if hit else None
        if (
            hit
            and found
            and not any(_same_company(b, found[0]) for b in buyers)
            and not is_authority(found[0])
            and found[0].lower() not in _NOT_A_PARTY
        ):
            target_text, target_by = found[0], "rule"
            refs[found[0]] = _ref_record(hit, found[1])
    if (
        kind == "merger"
        and target_text
        and len(buyers) >= 2
        and (_one_of(target_text, buyers) or merger_result(target_text, sentence))
    ):
        # "Alaska Airlines, Virgin America kick off merger", both given as buyers and one of
        # them (or a company of one of them) as the target too: the sides are read as when no
        # target is given.
        target_text = None
    if kind == "merger" and target_text and not buyers:
        who = merging_with(target_text, sentence)
        if who:
            buyers, buyers_by = [who], "rule"
    if kind == "merger" and target_text is None and len(buyers) >= 2:
        last = _second_party(buyers, sentence)
        if last:
            buyers.remove(last)
            if lead == last:
                lead = None
            target_text, target_by = last, "rule"
    targets = [target_text] if target_text else []
    if target_text and re.search(r"\s+and\s+", target_text):
        parts = [checked_name(p, sentence) for p in re.split(r"\s*,\s*|\s+and\s+", target_text)]
        if all(parts):
            targets = [p for p in parts if p]
    if kind == "funding round" and not targets:
        # "Google Ventures then led Nest's Series B round": whose round it is, the target.
        owner = round_owner(sentence, buyers)
        if owner:
            targets, target_by = [owner], "rule"
    targets = [
        t
        for t in targets
        if not _among(t, buyers)
        and not unmarked_target(t, sentence)
        and not in_another_merger(t, buyers, sentence)
        and not before_the_one_meant(t, sentence)
    ]
    others = _buyers_of_other_deals(buyers, targets, sentence)
    buyers = [
        b for b in buyers if b not in others and not any(works_at(b, t, sentence) for t in targets)
    ]
    if lead in others:
        lead = None
    if not targets and not buyers:
        return []
    amount = _pick(amounts, form.get("amount"))
    valuation = _pick(amounts, form.get("valuation"))
    if valuation is not None and valuation == amount:
        valuation = None
    if amount is not None and is_valuation(sentence, amount.start):
        if valuation is not None and not is_valuation(sentence, valuation.start):
            # The two swapped: "its valuation had risen to $127 billion and it has raised $2
            # billion"
            amount, valuation = valuation, amount
        else:
            amount, valuation = None, valuation or amount  # "valued at $2 billion" is no price
    if amount is not None and (not_a_price(sentence, amount.end) or not deal_sized(amount)):
        amount = None  # "a start-up with around $1 billion in sales", "$0.06 a share"
    if not _shows_a_deal(kind, buyers, targets[0] if targets else None, amount):
        return []  # a buyer alone: no deal the table can show
    stage, cue = stage_of(sentence, published)
    when = event_date(sentence, published)
    year = event_year(sentence, published)
    out = []
    parties: list[str | None] = [*targets] or [None]
    for target in parties:
        fields: dict[str, Any] = {
            "type": kind,
            "buyers": buyers,
            "lead": lead,
            "target": target,
            "round": round_of(sentence) if kind == "funding round" else None,
            "stage": stage,
            "stage_cue": cue,
            "event_date": when.isoformat() if when else None,
            "event_year": year,
            "by": {"type": type_by, "buyers": buyers_by, "target": target_by, "stage": "rule"},
            "refs": {k: v for k, v in refs.items() if k == target or k in buyers},
        }
        if lead:
            fields["by"]["lead"] = (
                "model" if lead.lower() in str(form.get("lead")).lower() else "rule"
            )
        if amount is not None:
            fields.update(
                amount=amount.text,
                amount_low=amount.low,
                amount_high=amount.high,
                currency=amount.currency,
                amount_usd=_usd(amount, published),
            )
            fields["by"]["amount"] = "rule+model"  # the parser's span, the model's choice
        if valuation is not None:
            fields.update(valuation=valuation.text, valuation_usd=_usd(valuation, published))
            fields["by"]["valuation"] = "rule+model"
        if fields["round"]:
            fields["by"]["round"] = "rule"
        if when:
            fields["by"]["event_date"] = "rule"
        if year is not None:
            fields["by"]["event_year"] = "rule"
        out.append(fields)
    return out


_FIGURE_AFTER = re.compile(
    # "$1 billion in sales", "$139 million of third-quarter harm": a company's own figure.
    r"\s*(?:(?:in|of)\s+(?:[\w-]+\s+)?"
    r"(?:sales|revenues?|turnover|profits?|earnings|losses|income|harm|damages?|costs|"
    r"expenses|spending|capital\s+expenditures?)\b"
    # "a $1 billion increase in its capital expenditures": a change of a figure.
    r"|(?:increase|decrease|rise|jump|drop|decline|boost|cut|reduction|shortfall)\b)",
    re.IGNORECASE,
)


# "valued at $2 billion", "a valuation of about $1 billion", "funding that valued Daily
# Harvest at over $1 billion": what the company is worth, not what the deal costs.
_VALUED = re.compile(
    # "assessed at around $16 million", "appraised at": what it is worth, too.
    r"(?:valu(?:ation|ed|ing)|assessed|appraised)\s+"
    r"(?:(?:(?-i:[A-Z])[\w&.'’-]*\s+|it\s+|the\s+company\s+){0,4}"
    r"(?:of|at)\s+"
    # "its valuation had risen to $127 billion"
    r"|(?:has\s+|had\s+|have\s+)?(?:risen|rose|jumped|climbed|grown|grew|soared|increased|"
    r"reached|hit|topped|doubled|tripled|swelled)\s+(?:to\s+)?)?"
    r"(?:(?:about|around|nearly|over|almost|roughly|some|more\s+than|"
    r"at\s+least|up\s+to)\s+)?$",
    re.IGNORECASE,
)


def is_valuation(sentence: str, start: int) -> bool:
    """Tell whether the money span starting at `start` is a valuation ("valued Pebble at over
    $1 billion"), not the amount of the deal."""
    return bool(_VALUED.search(sentence[:start]))


def not_a_price(sentence: str, end: int) -> bool:
    """Tell whether the money span ending at `end` is a company's figure, not what a deal
    costs: "$1 billion in sales", "$90 million of revenue"."""
    return bool(_FIGURE_AFTER.match(sentence, end))


def _same_company(a: str | None, b: str | None) -> bool:
    """Tell whether two names share their first word ("Amazon.com Inc." and "Amazon")."""
    return bool(a and b) and company_key(a or "") == company_key(b or "")


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

    def resolve(offset: int, subject: bool = False) -> tuple[str, str] | None:
        found = antecedent(text, start + offset, title)
        if found is None or (subject and company_key(found[0]) not in subjects):
            return None
        name, at = found
        if start <= at < end:
            return name, ""
        where = next(((s, e) for s, e in split_sentences(text) if s <= at < e), None)
        return name, text[where[0] : where[1]] if where else ""

    return resolve


# "Nest's Series B round", "Anthropic's latest funding round": the company the round is for.
_ROUND_OWNER = re.compile(
    r"(?<![\w&.'’-])(?P<name>(?-i:[A-Z])[\w&.'’-]*(?:\s+(?-i:[A-Z])[\w&.'’-]*){0,3})\s*['’]s?\s+"
    r"(?:(?:latest|new|recent|first|second|third|last|next|most\s+recent|\$?\s?[\d.,]+\s*"
    r"(?:million|billion|bn|m)?)\s+)*"
    r"(?:(?:Series\s+[A-H]|seed|pre-seed|funding|financing|investment|venture|growth)\s+round"
    r"|round\s+of\s+(?:funding|financing|investment))",
    re.IGNORECASE,
)


def round_owner(sentence: str, buyers: Iterable[str] = ()) -> str | None:
    """The company whose funding round the sentence names ("led Nest's Series B round"), when
    it is not one of the `buyers`."""
    hit = _ROUND_OWNER.search(sentence)
    if hit is None:
        return None
    name = checked_name(hit.group("name"), sentence)
    if name is None or _no_party(name, sentence):
        return None
    return None if _among(name, buyers) else name


def _among(name: str, names: Iterable[str]) -> bool:
    """Whether `name` is one of `names`, ignoring case."""
    return name.lower() in {n.lower() for n in names}


# The company a merger makes, not one of its sides: "Sage Integration was formed in 2019 by
# merging AYSCO Security Consultants and DTS Security", "the combined company, to be called
# Viatris".
_FORMED = re.compile(
    r"[\s,]*(?:(?:was|were|is|has been|had been)\s+)?(?:formed|created|born|established)"
    r"\b[^.;]{0,40}?\b(?:by|through|from|in|out of)\s+(?:the\s+|a\s+)?"
    r"(?:merg|combin|amalgamat)",
    re.IGNORECASE,
)
_NEW_NAME = re.compile(
    r"\b(?:combined|merged|new|resulting)\s+(?:company|firm|group|entity|business|bank)\b"
    r"[^.;]{0,30}?\b(?:named|called|known as|renamed)\s*$",
    re.IGNORECASE,
)


def merger_result(name: str, sentence: str) -> bool:
    """Whether `name` is the company a merger forms, which the sentence names apart from the
    companies merging."""
    at = sentence.find(name)
    if at < 0:
        return False
    return bool(
        _FORMED.match(sentence, at + len(name)) or _NEW_NAME.search(sentence[max(0, at - 80) : at])
    )


# Part of a company bought, read as an acquisition: "disclosed the purchase of a 0.6 percent
# stake in the company", "give Amazon a 15% stake in the airline", "took a minority stake".
_PART_STAKE = re.compile(
    r"\b(?:a|an)\s+(?:(?:\d{1,2}(?:\.\d+)?|0?\.\d+)\s*(?:%|percent|per\s+cent)|minority|small|"
    r"passive|\w+-percent)\s+(?:[\w-]+\s+)?(?:stake|holding|interest)\b",
    re.IGNORECASE,
)
# ... unless the sentence also states the takeover: "bought a 10% stake and agreed to acquire
# the rest", "a 45% stake ... before buying the whole company".
_WHOLE = re.compile(
    r"\b(?:the\s+rest|remaining|whole\s+company|entire\s+company|all\s+of|full\s+control|"
    r"takeover|buyout|outright)\b",
    re.IGNORECASE,
)


def part_stake(sentence: str) -> bool:
    """Whether an acquisition the model read is the purchase of part of a company only."""
    return bool(_PART_STAKE.search(sentence)) and not _WHOLE.search(sentence)


def merging_with(target: str, sentence: str) -> str | None:
    """Who the sentence says merged with `target`, for a merger read without its other side:
    "Dogfish Head merged last year with the Boston Beer Co." -> "Dogfish Head"."""
    hit = re.search(
        rf"{_PROPER}\s+(?:(?:has|had|have|will|would|agreed|to|plans?|planned)\s+){{0,3}}merge[ds]?"
        rf"(?:\s+[a-z]+){{0,3}}?\s+with\s+(?:the\s+)?(?:[\w-]+-based\s+)?{_name_re(target)}",
        sentence,
    )
    if not hit:
        return None
    who = checked_name(hit.group(1), sentence)
    return who if who and not _no_party(who, sentence) and not is_source(who, sentence) else None


def _one_of(target: str, buyers: list[str]) -> bool:
    """Whether a merger's target is one of its buyers, or a company of one of them: "United
    Community Banks, Inc. and Aquesta Financial Holdings, Inc., the parent of Aquesta Bank,
    announce merger agreement" with the target "Aquesta Bank". (The same name shares its first
    word too.)"""
    return any(_same_company(target, b) for b in buyers)


def _second_party(buyers: list[str], sentence: str) -> str | None:
    """Of a merger's parties given as buyers, the one named second, which is the target as
    annotators of mergers mark it ("Kroger and Albertsons planned to merge"), so that the deal
    has two sides; None when the words give it a side."""
    last = max(buyers, key=lambda b: sentence.find(b))
    return last if sentence.find(last) > 0 and not role_of(last, sentence) else None


def _shows_a_deal(kind: str, buyers: list[str], target: str | None, amount: Any) -> bool:
    if kind == "stake" and not target:
        return False
    return bool(
        target
        or (buyers and amount)
        or (kind == "merger" and len(buyers) >= 2)  # "Kroger and Albertsons say their merger"
    )


def states_a_deal(m: Mention) -> bool:
    """Tell whether a mention names what is bought or invested in, or how much, or two
    companies merging: a buyer alone ("Netflix's first-ever acquisition", "a takeover of
    elections") is no row of a deal table. On SENTiVENT, 5 of the 7 buyers stored without
    either were wrong."""
    return _shows_a_deal(m.type, m.buyers, m.target, m.amount)


def refresh_rules(m: Mention) -> Mention:
    """The mention with its rule-made fields (stage, round, event date) made by today's rules.

    They depend on the stored sentence and date alone, so a change of rules reaches stored
    mentions without the model reading anything again.
    """
    published = None
    if m.published:
        try:
            published = date.fromisoformat(m.published[:10])
        except ValueError:
            published = None
    if m.type == "acquisition" and part_stake(m.sentence):
        m.type = "stake"  # as `verify` reads it
        m.by["type"] = "rule"
    # "American investor Todd Boehly": the name a stored nationality stands before.
    for i, name in enumerate(m.buyers):
        if (who := described(name, m.sentence)) and not _among(who, m.buyers):
            m.buyers[i] = who
            m.by["buyers"] = "rule"
            if m.lead == name:
                m.lead = who
    if m.target and (who := described(m.target, m.sentence)) and not _among(who, m.buyers):
        m.target = who
        m.by["target"] = "rule"
    if m.target:
        m.target = _with_s(_BASED.sub("", m.target), m.sentence)
    m.buyers = [
        _with_amp(_with_s(_unasked(b, m.sentence), m.sentence), m.sentence) for b in m.buyers
    ]
    if m.target:
        m.target = _with_amp(_unasked(m.target, m.sentence), m.sentence)
    m.lead = _with_s(m.lead, m.sentence) if m.lead else m.lead
    m.buyers = [
        b
        for b in m.buyers
        if not _no_party(b, m.sentence)
        and not sells(b, m.sentence)
        and not (m.target and works_at(b, m.target, m.sentence))
    ]
    if m.target and m.type != "funding round" and role_of(m.target, m.sentence) == "buyer":
        # Sides reversed ("one week after it was acquired by billionaire Elon Musk"), as
        # `verify` now reads them: the target joins the buyers, and a buyer the words mark as
        # the target takes its place.
        turned = [b for b in m.buyers if role_of(b, m.sentence) == "target"]
        if not turned:
            turned = [b for b in [_reversed_party(m.type, m.buyers, m.target, m.sentence)] if b]
        m.buyers = [b for b in m.buyers if b not in turned[:1]]
        if not _among(m.target, m.buyers):
            m.buyers.append(m.target)
        m.target = turned[0] if len(turned) == 1 else None
        m.by["target"] = "rule"
    # Buyers the words put on the target's side, and buyers of another deal named in the same
    # sentence, as `verify` reads them.
    m.target, replaced, _ = _to_target_side(
        m.type, m.buyers, m.target, m.by.get("target") == "model", m.sentence
    )
    if replaced:
        m.by["target"] = "rule"
    others = _buyers_of_other_deals(m.buyers, [m.target] if m.target else [], m.sentence)
    m.buyers = [b for b in m.buyers if b not in others]
    owners = [b for b in m.buyers if owns_the_deal(b, m.sentence)]
    if m.type == "acquisition" and len(owners) == 1 and len(m.buyers) > 1:
        # "Sinclair and the Walt Disney Company announced ... Sinclair's RSN acquisition"
        m.buyers = owners
    if m.lead and m.lead not in m.buyers:
        m.lead = None
    if m.target:
        m.target = _DEAL_WORD_AFTER.sub("", m.target)
    if m.target and (
        _no_party(m.target, m.sentence)
        or not_bought(m.target, m.sentence)
        or in_another_merger(m.target, m.buyers, m.sentence)
        or before_the_one_meant(m.target, m.sentence)
        or is_source(m.target, m.sentence)
        or (m.target not in m.refs and unmarked_target(m.target, m.sentence))
    ):
        m.target = None
    if (
        m.type == "merger"
        and m.target
        and len(m.buyers) >= 2
        and (_one_of(m.target, m.buyers) or merger_result(m.target, m.sentence))
    ):
        m.target = None  # as `verify` reads a merger whose target is also a side, or its result
    if m.type == "merger" and m.target and not m.buyers:
        who = merging_with(m.target, m.sentence)  # as `verify` reads it
        if who:
            m.buyers = [who]
            m.by["buyers"] = "rule"
    if m.type == "merger" and not m.target and len(m.buyers) >= 2:
        last = _second_party(m.buyers, m.sentence)  # as `verify` reads a merger
        if last:
            m.buyers = [b for b in m.buyers if b != last]
            m.lead = None if m.lead == last else m.lead
            m.target = last
            m.by["target"] = "rule"
    if m.type == "funding round" and not m.target:
        owner = round_owner(m.sentence, m.buyers)
        if owner:
            m.target = owner
            m.by["target"] = "rule"
    if m.amount and m.valuation:
        _swap_valuation(m, published)
    if m.amount:
        at = m.sentence.find(m.amount)
        value = m.amount_usd if m.amount_usd is not None else (m.amount_low or m.amount_high)
        small = value is not None and value < DEAL_SIZE_USD
        if at >= 0 and is_valuation(m.sentence, at) and not m.valuation:
            m.valuation, m.valuation_usd = m.amount, m.amount_usd
        if (
            small
            or (at >= 0 and not_a_price(m.sentence, at + len(m.amount)))
            or (at >= 0 and is_valuation(m.sentence, at))
        ):
            m.amount = None
            m.amount_low = m.amount_high = m.amount_usd = None
            m.currency = None
    m.stage, m.stage_cue = stage_of(m.sentence, published)
    closed_in = (list_ref(m) or {}).get("closed_in")
    if closed_in and m.stage == "announced":
        stage, cue = stage_of(closed_in, published)  # a list line: its deal's stage
        if stage == "closed":
            m.stage, m.stage_cue = stage, cue
    if m.type == "funding round":
        m.round = round_of(m.sentence)
    when = event_date(m.sentence, published)
    m.event_date = when.isoformat() if when else None
    m.event_year = event_year(m.sentence, published)
    if m.event_year is None:
        m.by.pop("event_year", None)
    else:
        m.by["event_year"] = "rule"
    return m


def _swap_valuation(m: Mention, published: date | None) -> None:
    """Swap a stored amount that is a valuation ("its valuation had risen to $127 billion")
    with the stored valuation when that one is no valuation ("and it has raised $2 billion"),
    as `verify` does."""
    at, v_at = m.sentence.find(m.amount or ""), m.sentence.find(m.valuation or "")
    if at < 0 or v_at < 0 or not is_valuation(m.sentence, at) or is_valuation(m.sentence, v_at):
        return
    money = next((x for x in find_money(m.sentence) if x.text == m.valuation), None)
    if money is None:
        return
    m.valuation, m.valuation_usd = m.amount, m.amount_usd
    m.amount, m.amount_low, m.amount_high = money.text, money.low, money.high
    m.currency, m.amount_usd = money.currency, _usd(money, published)


def _usd(money: Money, on: date | None) -> float | None:
    return to_usd(money.value, money.currency, on)


# A line that introduces who put in how much: "Then there's $5.2 billion from equity
# investors:", "Investors in the round include:". It ends with a colon and names investors.
_LIST_LEAD = re.compile(
    r"\b(?:(?:co-)?investors|backers|contributors|funders|(?:equity|co-)?investments)\b"
    r"[^:]{0,80}:$",
    re.IGNORECASE,
)
# One line of such a list: "$375 million from Qatar Holding, a global investment house ...".
_FROM_WHO = re.compile(r"\s+from\s+(?P<who>[^,;:()\n]+)")
_FIRM_WORDS = {"of", "and", "&", "de", "du", "la", "von", "van", "der", "for", "the"}
MIN_LIST_ITEMS = 2  # one line alone is no list
_LISTED_DEALS = ("acquisition", "merger", "funding round")  # what a list's money goes into


def _contributor(line: str, money: Money) -> str | None:
    """Who a list line says the money came from: the name after the last word that describes
    it ("from SpaceX and Airbnb investor Aliya Capital Partners LLC" -> "Aliya Capital
    Partners LLC", "from the venture capital firm Sequoia Capital Fund" -> "Sequoia Capital
    Fund")."""
    hit = _FROM_WHO.match(line, money.end)
    if hit is None:
        return None
    words = hit.group("who").split()
    lower = [i for i, w in enumerate(words) if w.islower() and w not in _FIRM_WORDS]
    words = words[lower[-1] + 1 :] if lower else words
    name = checked_name(" ".join(words).rstrip("."), line)  # which drops a leading "the"
    return None if name is None or _no_party(name, line) else name


def _amount_first(line: str, money: Money) -> bool:
    """Tell whether the amount starts the line (after a bullet, if any)."""
    return not line[: money.start].strip(" \t-•*–—·")


def list_ref(m: Mention) -> dict[str, Any] | None:
    """The reference that makes `m` a line of a list of investors (`list_items`): its target's,
    with the list's lead-in; None for any other mention."""
    return next((r for r in m.refs.values() if r.get("lead_in")), None)


def is_list_item(m: Mention) -> bool:
    """Tell whether a stored mention is a line of a list of investors that today's rules still
    read as one: its lead-in names investors, and the line gives its buyer and amount."""
    ref = list_ref(m)
    if ref is None or not _LIST_LEAD.search(ref["lead_in"]) or m.type != "stake":
        return False
    money = next(iter(find_money(m.sentence)), None)
    return (
        money is not None
        and _amount_first(m.sentence, money)
        and money.text == m.amount
        and _contributor(m.sentence, money) in m.buyers
    )


def list_items(
    text: str, mentions: Sequence[Mention]
) -> Iterator[tuple[int, int, str, Money, Mention, str]]:
    """The lines of each list of investors that follows a lead-in line, with the deal they
    put money into: (start, end, investor, amount, the article's mention of that deal, the
    lead-in line).

    The lines name no deal ("$375 million from Qatar Holding, a global investment house"):
    the deal is the one the article states last before the list, with a target. A list needs
    at least MIN_LIST_ITEMS such lines in a row, each with a deal-sized amount first.
    """
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]
    n = 0
    while n < len(lines):
        start, end = lines[n]
        lead_in = text[start:end].strip()
        base = (
            next(
                (
                    m
                    for m in reversed(mentions)
                    if m.end <= start and m.target and m.type in _LISTED_DEALS
                ),
                None,
            )
            if _LIST_LEAD.search(lead_in)
            else None
        )
        if base is None:
            n += 1
            continue
        items = []
        for s, e in lines[n + 1 :]:
            line = text[s:e]
            money = next(iter(find_money(line)), None)
            if (
                money is None
                or not _amount_first(line, money)
                or money.per_share
                or not deal_sized(money)
                or len(line) > MAX_SENTENCE_CHARS
            ):
                break
            who = _contributor(line, money)
            if who is None or _same_company(who, base.target):
                break
            lead = len(line) - len(line.lstrip())
            items.append((s + lead, s + len(line.rstrip()), who, money))
        if len(items) >= MIN_LIST_ITEMS:
            for s, e, who, money in items:
                yield s, e, who, money, base, lead_in
        n += 1 + len(items)


def extract(
    article_id: str,
    text: str,
    fill: FormFiller,
    *,
    published: date | None = None,
    outlet: str | None = None,
    url: str | None = None,
    title: str | None = None,
    found: Iterable[tuple[int, int, list[Money]]] | None = None,
) -> list[Mention]:
    """Every checked deal mention in one article's text (`found`: its `candidates`, when the
    caller has them already)."""
    day = published.isoformat() if published else None

    def mention(start: int, end: int, fields: dict[str, Any]) -> Mention:
        return Mention(article_id=article_id, sentence=text[start:end], start=start, end=end,
                       published=day, outlet=outlet, url=url, title=title, **fields)  # fmt: skip

    mentions: list[Mention] = []
    for start, end, amounts in candidates(text) if found is None else found:
        sentence = text[start:end]
        resolve = resolver(text, start, end, title)
        for fields in verify(fill(sentence, amounts), sentence, amounts, published, resolve):
            mentions.append(mention(start, end, fields))
    for start, end, who, money, base, lead_in in list(list_items(text, mentions)):
        # "$800 million from Sequoia Capital Fund, which also invested in The Boring Company":
        # the line's amount is what the investor put into the listed deal, whatever else the
        # model read in it.
        mentions = [m for m in mentions if not (m.start < end and start < m.end)]
        stage, cue = stage_of(text[start:end], published)
        # The line names no deal: it is the one the article states before the list.
        ref = {"text": "", "start": 0, "end": 0, "context": base.sentence, "lead_in": lead_in}
        done = next(
            (
                m
                for m in mentions
                if m.end <= start
                and m.stage == "closed"
                and m.type == base.type
                and _same_company(m.target, base.target)
            ),
            None,
        )
        if done is not None and stage == "announced":
            # "Musk has finally closed his $44 billion purchase of Twitter": so has the money
            # each investor put into it.
            ref["closed_in"] = done.sentence
            stage, cue = done.stage, done.stage_cue
        fields = {
            "type": "stake",
            "buyers": [who],
            "target": base.target,
            "amount": money.text,
            "amount_low": money.low,
            "amount_high": money.high,
            "currency": money.currency,
            "amount_usd": _usd(money, published),
            "stage": stage,
            "stage_cue": cue,
            "by": {k: "rule" for k in ("type", "buyers", "target", "amount", "stage")},
            "refs": {base.target: ref} if base.target else {},
        }
        mentions.append(mention(start, end, fields))
    return mentions
