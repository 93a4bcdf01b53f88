"""Deal questions answered from the deal table, each deal cited as a numbered source.

"Who invested in MiniMax?", "largest deals this week", "deals by Alibaba", "which deals are
still rumoured": a question with a deal word that names a company in the table, or asks for a
list of deals, is answered from the table without the model. Each deal becomes one source whose
text is the sentences it was read from, so the answer's `[n]` markers go through the same
citation check as the model's answers. Any other question goes to the usual chain.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rag.deals.mentions import Mention
from rag.deals.merge import FAMILY, SUFFIXES, Deal, _close, _core, _distinct, normalise
from rag.deals.money import Money, find_money, to_usd
from rag.deals.query import DealQuery, dated_within, find_deals
from rag.deals.storage import DealTable
from rag.timescope import time_scope
from rag.types import Passage

MAX_DEALS = 5  # deals listed in one answer

# Asking for a list of deals rather than about one company's.
_LIST = re.compile(
    r"\b(?:deals|acquisitions|mergers|funding\s+rounds|rounds|takeovers|investments)\b",
    re.IGNORECASE,
)
# What the question asks for must be a deal's part: who invested or bought, how much, which
# company did the deal, whether it is done. "Which CEO did OpenAI fire after Microsoft's
# investment?" names a deal but asks about something else, and goes to the usual chain.
_TAKE_OVER = r"t(?:ake|akes|ook|aking|aken)\s+over"
_INVEST = r"invest(?!igat)\w*"  # not "investigating"
# The words of each family of deals (`merge.FAMILY`), which a question asks with and a source
# tells of one with.
_MA_WORDS = rf"acquisitions?|acquir\w*|takeovers?|bought|buy\w*|purchas\w*|merg\w*|{_TAKE_OVER}"
_MONEY_WORDS = rf"{_INVEST}|fund\w*|rounds?|rais\w*|stakes?"
_ONE_DEAL = r"(?:deal|acquisition|merger|takeover|sale|purchase|buyout)"
# Who owns a company is who bought it: "Who owns the Dodgers?", "Who is Twitter's new owner?"
# (not a bare "own": "in their own stadium").
_OWNER = r"owns|owned|owners?|ownership"
# What a company is doing, in a deal: "Is Sherwin-Williams buying Valspar?".
_DOING = r"(?:buying|acquiring|purchasing|merging|investing|taking\s+over)"
_IS_DOING_RE = (
    rf"(?:is|are|was|were)\s+.{{0,60}}\b(?:{_DOING}|"
    # "Were Kroger and Albertsons planning to merge?"
    r"(?:planning|plans|set|going|about|expected|agreeing)\s+to\s+"
    r"(?:buy|acquire|purchase|merge|invest|take\s+over))\b"
)
_DEAL_VERB = (
    rf"(?:{_INVEST}|fund\w*|back(?:s|ed|ing)?|buy\w*|bought|acquir\w*|purchas\w*|lead\w*|led|"
    rf"merg\w*|stake|rais\w*|seek\w*|sought|pa(?:y|id|ying)|valu\w*|worth|deal|round|takeover|"
    r"bid(?:s|ding)?\s+for|"
    rf"{_TAKE_OVER}|{_OWNER})"
)
# Asking how much of a company a stake holds.
_OWNS = r"\b(?:own|hold|bought|buy|acquir|purchas|took|take|sold|sell|invest)\w*\b"
_SHARE_ASKED = (
    r"\b(?:what|how\s+(?:big|large)\s+(?:a|an|the))\s+(?:size\s+of\s+)?"
    r"(?:stake|interest|holding)s?\b|"
    rf"\b(?:what|which)\s+(?:share|percentage|portion|part)\s+of\b.{{0,60}}{_OWNS}|"
    r"\bhow\s+(?:big|large)\s+(?:is|was|are|were)\b.{0,60}\bstakes?\b|"
    rf"\bhow\s+much\s+of\b.{{0,60}}{_OWNS}"
)
_ASKS_SHARE = re.compile(_SHARE_ASKED, re.IGNORECASE)
_ASKS_ABOUT_DEAL = re.compile(
    rf"\bwho(?:'s|\s+is|\s+are|\s+was|\s+were|\s+will|\s+has|\s+have)?\b.{{0,60}}\b{_DEAL_VERB}\b|"
    rf"\bhow\s+much\b.{{0,80}}\b{_DEAL_VERB}\b|"
    # "What is United's deal for Aquesta worth?", "What was the price of Disney's purchase?"
    rf"\bwhat\s+(?:is|was|are|were)\b.{{0,80}}\b(?:{_ONE_DEAL}|stake|round|investment)s?\b"
    r".{0,60}\bworth\b|"
    r"\bwhat\s+(?:is|was|were)\s+(?:the\s+)?(?:price|amount|value|cost|size)\s+of\b.{0,80}"
    rf"\b(?:{_ONE_DEAL}|{_DEAL_VERB})|"
    # "What did Amazon pay for its stake in Hawaiian?", "What price did Gap pay for ...?"
    r"\bwhat(?:['’]s|\s+(?:did|does|do|will|would|is|was))\b.{0,60}\bpa(?:y|id|ying)\s+for\b|"
    r"\bwhat\s+price\b|"
    # "What is the status of the Kroger and Albertsons merger?"
    r"\b(?:status|state|latest)\s+(?:of|on)\b.{0,80}"
    rf"\b(?:{_ONE_DEAL}|stake|round|investment|bid|offer)s?\b|"
    # "Tell me about Amazon's deal for One Medical."
    r"\b(?:tell\s+me|know|details|news)\s+(?:about|of|on)\b.{0,80}"
    rf"\b(?:{_ONE_DEAL}|stake|round|investment|bid|offer)s?\b|"
    # "Is Sherwin-Williams buying Valspar?": whether, and the table says how far it went.
    rf"^\s*{_IS_DOING_RE}|"
    rf"\b(?:which|what)\s+(?:company|companies|firm|firms|investors?|group|fund|buyer|bidder)\b"
    rf".{{0,80}}\b{_DEAL_VERB}\b|"
    # "Which teams has Todd Boehly bought?" (not "What stake did ...", which `_SHARE_ASKED`
    # reads, nor "Which celebrity is being brought back ...")
    r"\b(?:which|what)\s+(?!(?:[\w-]+\s+)?(?:stake|share|percentage|portion|interest|holding)s?\b)"
    r"(?:[\w-]+\s+){1,2}(?:has|have|had|did|does|do|will|is|was)\s+"
    rf".{{1,60}}\b(?:{_MA_WORDS}|{_INVEST}|{_OWNER}|fund(?:s|ed)?|"
    r"(?<!brought\s)(?<!came\s)(?<!come\s)(?<!coming\s)back(?:s|ed|ing)?)\b|"
    # "What did Alibaba invest in?", "What has Disney acquired?"
    r"^\s*what\s+(?:did|does|do|has|have|had|is|was|will)\s+.{1,60}\b(?:buy|bought|buying|"
    r"acquired?|acquiring|purchased?|purchasing|invest(?:ed|ing)?\s+in|t(?:ake|aken|aking)\s+over|"
    r"own|owned)\s*\??\s*$|"
    # "What was the biggest takeover of 2022?"
    r"\b(?:largest|biggest|top|major|most\s+expensive)\s+(?:[\w-]+\s+)?"
    rf"(?:{_ONE_DEAL}|investment|funding\s+round|round|stake)s?\b|"
    # "What is Juul's biggest investor?"
    r"\bwhat\s+(?:is|are|was|were)\b.{0,60}\b(?:investors?|backers?|owners?|buyers?|"
    r"acquirers?|bidders?)\b|"
    # "Did Albertsons buy Safeway?"
    r"^\s*(?:did|does|has|have)\s+.{0,60}\b(?:buy|acquire|purchase|merge|invest|take\s+over)\b|"
    rf"\b(?:is|was|has)\b.{{0,60}}\b(?:it|round|{_ONE_DEAL}|investment|stake)\b.{{0,60}}"
    r"\b(?:done|closed|final\w*|completed?|finished|sealed|through|confirmed|official|"
    r"rumou?red|reported|called\s+off|cancell?ed|scrapped|abandoned|blocked|dropped|"
    r"terminated|collapsed)\b|"
    # "Did Walgreens complete its merger with Rite Aid?"
    r"\b(?:did|does|has|have|will)\b.{0,60}\b(?:complete|close|finish|finali[sz]e|seal)(?:d|ed)?"
    r"\b.{0,40}"
    rf"\b{_ONE_DEAL}\b|"
    r"\bstill\s+rumou?red|"
    # "What stake did Cohen buy in Bed Bath & Beyond?", "How much of Juul does Altria own?"
    rf"{_SHARE_ASKED}|\bwhich\s+stakes?\b|"
    r"\bdeals\b|\bacquisitions\b|\bmergers\b|\bfunding\s+rounds\b|\btakeovers\b",
    re.IGNORECASE,
)
_YES_NO = re.compile(r"\s*(?:is|was|has|have|had|did|does|do|are|were)\b", re.IGNORECASE)
_LARGEST = re.compile(r"\b(?:largest|biggest|top|major|most\s+expensive)\b", re.IGNORECASE)
_STAGE_WORDS = [
    (
        "rumoured",
        re.compile(
            r"\brumou?red|\breportedly\b|\bnot\s+(?:yet\s+)?(?:done|final|closed|confirmed)|"
            # "Which deals are only reported?", not "Which deals were reported in December?"
            r"\breported\b(?!\s+(?:in|on|during|this|last|since|by|between|from|over|earlier|"
            r"yesterday|today)\b)",
            re.IGNORECASE,
        ),
    ),
    (
        "cancelled",
        re.compile(r"\b(?:cancell?ed|called\s+off|collapsed|blocked|abandoned)\b", re.IGNORECASE),
    ),
    ("closed", re.compile(r"\b(?:closed|completed|finali[sz]ed)\b", re.IGNORECASE)),
]
_TYPE_WORDS = [
    ("funding round", re.compile(r"\b(?:funding|rounds?|raised?|raising|series\s+[a-h])\b", re.I)),
    (
        "acquisition",
        re.compile(
            rf"\b(?:acquisitions?|acquir\w*|takeovers?|bought|buy|{_TAKE_OVER}|bid(?:s|ding)?\s+for)\b",
            re.I,
        ),
    ),
    ("merger", re.compile(r"\bmerg\w*", re.I)),
    ("stake", re.compile(r"\bstakes?\b", re.I)),
]
_INVESTOR_SIDE = re.compile(r"\b(?:by|from)\s+$", re.IGNORECASE)  # "deals by Alibaba"

STAGE_TEXT = {
    "rumoured": "reported, not confirmed",
    "announced": "announced",
    "closed": "completed",
    "cancelled": "called off",
}


@dataclass
class DealAnswer:
    """The table's answer: its text with [n] markers and the sources they point at."""

    text: str
    passages: list[Passage]
    deals: list[Deal]
    query: DealQuery
    # The deals are found but not what was asked of them ("How much did Heineken pay for
    # Lagunitas?", where no source gives a price): the text says so, and it is a refusal.
    declined: bool = False


# What someone is paid or owes is no deal: "How much was Bryce Harper's contract worth?".
_PAY = re.compile(
    r"\b(?:contracts?|salar(?:y|ies)|wages?|payroll|pay\s+package|bonus(?:es)?|prize|fines?|"
    r"settlements?|ransom|bail)\b",
    re.IGNORECASE,
)
_DEAL_NOUNS = re.compile(
    r"\b(?:deals?|acquisitions?|mergers?|takeovers?|buyouts?|stakes?|rounds?|investments?|"
    r"purchases?|funding)\b",
    re.IGNORECASE,
)


# Things bought that are no company: "Is Alaska Airlines buying new planes?", "Which show has
# Netflix bought the rights to?".
_NO_COMPANY_BOUGHT = re.compile(
    # lower case: "acquired The Dog House" is a company
    rf"\b(?:{_MA_WORDS})\s+(?:(?:the|its|their|his|her|new|more)\s+)?(?:(?-i:[a-z])\w*\s+)?"
    r"(?-i:rights|licen[cs]es?|tickets|merchandise|debt|bonds|planes|aircraft|jets|ships|trucks|"
    r"vehicles|homes?|houses?|land|buildings?|propert(?:y|ies)|real\s+estate|paintings?)\b",
    re.IGNORECASE,
)


def asks_about_deal(question: str) -> bool:
    """Tell whether the question asks for a part of a deal (a cheap test before the table)."""
    if _PAY.search(question) and not _DEAL_NOUNS.search(question):
        return False
    if _NO_COMPANY_BOUGHT.search(question):
        return False
    return bool(_ASKS_ABOUT_DEAL.search(question))


def _parties(table: DealTable) -> dict[str, str]:
    """Normalised party name -> a name as written, for every company in the table."""
    with table.connect() as db:
        rows = db.execute("SELECT target, buyers FROM deals").fetchall()
    names: dict[str, str] = {}
    for target, buyers in rows:
        for name in [target, *json.loads(buyers)]:
            key = normalise(name)
            if len(key) >= 2:
                names.setdefault(key, name)
    return names


def _askable(parties: dict[str, str]) -> dict[str, str]:
    """The names a question may call the table's parties by: theirs, and each without the
    words that say what kind of company it is ("Spirit" of "Spirit Airlines", "JetBlue" of
    "JetBlue Airways"), asked for as itself so that it finds every party it begins ("Alaska"
    finds "Alaska Air Group" too)."""
    cores = {c: c for key in parties if (c := _core(key)) != key and _distinct(c)}
    return {**cores, **parties}


def understand(question: str, table: DealTable, as_of: dt.date) -> DealQuery | None:
    """The table query a deal question asks for, or None when it is not one the table answers."""
    return next(iter(understand_all(question, table, as_of)), None)


def understand_all(
    question: str, table: DealTable, as_of: dt.date, parties: dict[str, str] | None = None
) -> list[DealQuery]:
    """The table queries a deal question can ask for, the likeliest first: one per company of
    the table the question names (the longest name first), or one for a list of deals.

    "How much did Qatar Holding put into Elon Musk's purchase of Twitter?" names three
    parties; the deal that answers it is Qatar Holding's, not the longest name's. `parties`:
    the table's `_parties`, when the caller has read them already.
    """
    if not table.path.exists() or not asks_about_deal(question):
        return []
    named: list[tuple[str, bool]] = []  # (company, on the investor side)
    known = _askable(_parties(table) if parties is None else parties)
    for key in _named_keys(question, known):
        name = known[key]
        before = question[: max(0, question.lower().find(name.lower()))]
        named.append((name, bool(_INVESTOR_SIDE.search(before))))
    listing = bool(_LIST.search(question) or _LARGEST.search(question))
    if not named and not listing:
        return []
    base = DealQuery(sort="amount" if _LARGEST.search(question) else "date", limit=MAX_DEALS)
    floors = [to_usd(m.value, m.currency) for m in find_money(question) if _bound(question, m)]
    base.min_usd = max((f for f in floors if f), default=None)  # "deals over $1 billion"
    for stage, pattern in _STAGE_WORDS:
        # "Which deals are still rumoured?" asks for rumoured deals; "Has JetBlue's purchase of
        # Spirit closed?" asks whether, and its answer may be no.
        if pattern.search(question) and not (named and _YES_NO.match(question)):
            base.stage = stage
            break
    if not named or _LIST.search(question):
        for kind, pattern in _TYPE_WORDS:
            if pattern.search(question):
                base.type = kind
                break
    scope = time_scope(question, as_of)
    if scope is not None and not scope.soft:
        base.since, base.until = scope.start, scope.end
    else:
        base.until = as_of
    if not named:
        return [base]
    return [
        DealQuery(**{**vars(base), ("investor" if investor_side else "company"): company})
        for company, investor_side in named
    ]


def _named_keys(question: str, parties: dict[str, str]) -> list[str]:
    """The normalised names of the table's parties that the question names, the longest
    first; a name inside a longer one named ("Amazon" of "Amazon Web Services") is not."""
    folded = " " + normalise(question) + " "
    keys: list[str] = []
    taken: list[tuple[int, int]] = []
    for key in sorted(parties, key=len, reverse=True):
        at = folded.find(f" {key} ")
        span = (at + 1, at + 1 + len(key))  # the name alone: "Elon Musk's Twitter" names two
        if at < 0 or any(a < span[1] and span[0] < b for a, b in taken):
            continue
        taken.append(span)
        keys.append(key)
    return keys


_QUESTION_WORDS = {
    "who",
    "what",
    "which",
    "how",
    "when",
    "where",
    "why",
    "is",
    "was",
    "did",
    "does",
}


# Capitalised words of a question that give its time, which `understand` reads as a window.
_TIME_NAMES = {n.lower() for n in (*calendar.month_name, *calendar.day_name) if n}


def _names(question: str) -> set[str]:
    """The capitalised words of the question, lower-cased: "Alden", "fred" for "Fred's"."""
    out = set()
    for m in re.finditer(r"(?<![\w'’])[A-Z][\w&.-]*", question):
        word = re.sub(r"['’]s$", "", m.group()).rstrip(".")
        # "the Kroger-Albertsons merger" names two companies, each said on its own.
        parts = word.split("-") if re.fullmatch(r"[A-Z][\w&.]*(?:-[A-Z][\w&.]*)+", word) else [word]
        for part in (p.lower() for p in parts):
            if part and part not in _QUESTION_WORDS | SUFFIXES and m.start() > 0:
                out.add(part)
    return out


# A run of capitalised words of a question ("the Los Angeles Dodgers"), "of" inside it.
_RUN = re.compile(r"(?<![\w'’])[A-Z][\w&.'’-]*(?:\s+(?:of\s+)?[A-Z][\w&.'’-]*)*")


def _qualifiers(question: str, parties: dict[str, str]) -> set[str]:
    """The words of the question that qualify a party of the table named after them, which its
    sources need not say: "Los Angeles" of "the Los Angeles Dodgers", where the table's party
    is "Dodgers" (lower-cased, as `_names` gives them). The party must end the run: "Hawaiian
    Airlines" qualifies no "Airlines"-less party."""
    out: set[str] = set()
    for run in _RUN.finditer(question):
        words = run.group().split()
        for i in range(1, len(words)):
            if normalise(" ".join(words[i:])) in parties:
                out |= {re.sub(r"['’]s$", "", w).rstrip(".").lower() for w in words[:i]}
                break
    return out


def _sentence(deal: Deal, n: int) -> str:
    """One line about the deal, every name and figure in it taken from its sources."""
    conflict = (
        f"; sources disagree on the {', '.join(c.field for c in deal.conflicts)}"
        if deal.conflicts
        else ""
    )
    # No date here: the chat and `ask` print each cited source's date and age beside the answer.
    return f"{_describe(deal)}: {STAGE_TEXT.get(deal.stage, deal.stage)}{conflict} [{n}]."


def _describe(deal: Deal) -> str:
    """The deal in words: its parties, type, amount, year and valuation as its sources give."""
    others = [b for b in deal.buyers if b != deal.lead]
    amount = deal.amount or ""
    if deal.type == "funding round":
        text = f"{deal.target} funding round" + (f" ({deal.round})" if deal.round else "")
        if deal.lead:
            text += f" led by {deal.lead}"
        if others:
            text += (", also " if deal.lead else " with ") + ", ".join(others)
        if amount:
            text += f", {amount}"
        if deal.share:
            text += f", for a {deal.share} stake"
    elif deal.type == "merger":
        text = " and ".join([*deal.buyers, deal.target]) + " merger"
        if amount:
            text += f", {amount}"
    else:
        verb = "acquisition of"
        if deal.type == "stake":
            verb = f"{deal.share} stake in" if deal.share else "stake in"
        who = " and ".join(deal.buyers) if deal.buyers else "An undisclosed buyer"
        owner = who + ("'" if who.lower().endswith("s") else "'s")  # "Harlow Systems'"
        text = f"{owner} {verb} {deal.target}"
        if amount:
            text += f" for {amount}"
    if deal.year:
        text += f" in {deal.year}"  # a deal retold years later says when it was done
    if deal.valuation:
        text += f" at a valuation of {deal.valuation}"
    return text


def _passage(deal: Deal, query: DealQuery | None = None) -> Passage:
    """The deal as a source: the sentences of one article its fields were read from.

    The article is one the question's period holds, if it asks for one ("deals in November
    2023" cites November's report, not last year's), and among those the one whose mention
    states most of what the deal's line says (its amount and its stage); only that article's
    sentences are quoted, under its title, outlet and date, so that no quote is shown in
    another article's name.
    """
    since, until = (query.since, query.until) if query else (None, None)
    main = max(
        deal.mentions,
        key=lambda m: (
            dated_within(m.published, since, until),
            bool(m.amount) and m.amount == deal.amount,
            m.stage == deal.stage,
            bool(m.amount),
        ),
    )
    quotes: list[str] = []
    for m in [main, *(m for m in deal.mentions if m.article_id == main.article_id)]:
        for quote in _quotes(m):
            if quote not in quotes:
                quotes.append(quote)
    return Passage(
        chunk_id=f"deal:{deal.id}",
        article_id=main.article_id,
        text=" ".join(quotes[:4]),
        score=1.0,
        title=main.title or f"Deal {deal.id}",
        url=main.url,
        source=main.outlet,
        published=main.published,
        start=main.start,
        end=main.end,
        similarity=1.0,
    )


def _quotes(m: Mention) -> list[str]:
    """The mention's sentence, after the sentences that name a buyer it calls "it"."""
    before = [q for r in m.refs.values() for q in (r.get("context"), r.get("lead_in")) if q]
    return [*before, m.sentence]


# "Which companies has Disney acquired?", "What did Alibaba invest in?": what a company bought.
# The company is the subject between the auxiliary and the verb ("Which company is buying
# Spirit?" asks for the buyer instead).
_ASKS_BOUGHT = re.compile(
    r"\s*(?:which|what)\b(?:\s+[\w-]+){0,2}?\s+(?:did|does|do|has|have|had|will|would|is|are|"
    r"was|were)\s+.{1,60}?\b(?:buy|buys|bought|buying|acquir(?:e|es|ed|ing)|purchas(?:e|es|ed|"
    r"ing)|invest(?:s|ed|ing)?|t(?:ake|akes|aken|aking|ook)\s+over|own|owns|owned|back|backed|"
    r"fund|funded|bid(?:s|ding)?\s+for)\b",
    re.IGNORECASE,
)


def _names_one_of(company: str, parties: Iterable[str | None]) -> bool:
    """Tell whether `company` is one of `parties`, matched as `find_deals` matches a party:
    the name begins the party's or one of its words."""
    key = normalise(company)
    return any(
        party.startswith(key) or f" {key}" in party
        for party in map(normalise, filter(None, parties))
    )


def _is_buyer(deal: Deal, company: str) -> bool:
    """Tell whether `company` is one of the deal's buyers or investors."""
    return _names_one_of(company, deal.buyers)


def _is_target(deal: Deal, company: str, merging: bool = False) -> bool:
    """Tell whether `company` is the deal's target. `merging`: the question asks who merged,
    and either party of a merger counts ("Who merged with Wendy's?")."""
    return _names_one_of(
        company, [deal.target, *(deal.buyers if merging and deal.type == "merger" else [])]
    )


def _ended_before(deal: Deal, since: dt.date) -> bool:
    """Tell whether a source dated before `since` reports the deal closed or called off: it
    ended before the period, whatever a later source retells."""
    return any(
        m.stage in ("closed", "cancelled") and m.published and m.published[:10] < since.isoformat()
        for m in deal.mentions
    )


def _said(deal: Deal) -> str:
    """What any of the deal's sources says, lower-cased: a question is matched against all of
    it, not only the one article cited."""
    return " ".join(q for m in deal.mentions for q in _quotes(m)).lower()


def _in_window(table: DealTable, query: DealQuery, as_of: dt.date) -> list[Deal]:
    """The deals `query` finds, and those a source says were done in its window though
    reported later ("Which company took over Man City in 2008?": told in 2023, done in 2008),
    as long as they were reported by `as_of`."""
    deals = find_deals(table, DealQuery(**{**vars(query), "limit": None}))
    start, end = query.since, query.until
    if (
        start is None
        or end is None
        or (start.month, start.day, end.month, end.day) != (1, 1, 12, 31)
    ):
        return deals  # a source gives the year a deal was done, not its day: not "this week"
    since, until = start.year, end.year
    seen = {d.id for d in deals}
    done_then = DealQuery(**{**vars(query), "limit": None, "since": None, "until": as_of})
    return deals + [
        d
        for d in find_deals(table, done_then)
        if d.id not in seen and d.year is not None and since <= d.year <= until
    ]


_MORE_THAN = re.compile(r"\b(?:bigger|larger|greater|higher|more)\s+than\s*$", re.IGNORECASE)


def _bound(question: str, m: Money) -> bool:
    """Tell whether a sum of the question is a floor on the deals asked for ("deals over $1
    billion", "bigger than $500 million"), not a price one deal was done at."""
    if m.per_share:
        return False
    return (m.low is not None and m.high is None) or bool(_MORE_THAN.search(question[: m.start]))


# "Is Sherwin-Williams buying Valspar?": a yes/no question of what a company is doing, which is
# about a deal of the table only when what it buys is a party too.
_IS_DOING = re.compile(rf"\s*{_IS_DOING_RE}", re.IGNORECASE)
# A question whose only deal word is an owner word ("Who owns ...?", "... owners of ...").
_OWNER_ONLY = re.compile(
    rf"^(?!.*\b(?:{_MA_WORDS}|{_MONEY_WORDS}|back(?:s|ed|ing)?|stakes?)\b).*\b(?:{_OWNER})\b",
    re.IGNORECASE,
)


# A question whose only deal word is "lead" ("Who led MiniMax's round?" has "round").
_LEAD_ONLY = re.compile(
    rf"^(?!.*\b(?:{_MA_WORDS}|{_MONEY_WORDS}|{_ONE_DEAL}s?|back(?:s|ed|ing)?|investors?|"
    rf"{_OWNER}|series\s+[a-h])\b).*\b(?:lead\w*|led)\b",
    re.IGNORECASE,
)


def _owned(question: str, name: str) -> bool:
    """Tell whether the owner words of the question are about `name`: "Who owns (the) X?",
    "X's (new) owner", "the owners of X" (not "the building X used as headquarters")."""
    n = re.escape(name)
    return bool(
        re.search(rf"\bown(?:s|ed)\s+(?:the\s+)?{n}|{n}['’]?s?\s+(?:\w+\s+)?owners?\b|"
                  rf"\bowners?(?:ship)?\s+of\s+(?:the\s+)?{n}", question, re.IGNORECASE)
    )  # fmt: skip


_ASKS_ONGOING = re.compile(rf"\b(?:is|are)\b.{{0,60}}\b{_DOING}\b", re.IGNORECASE)


def _ongoing(found: list[tuple[Deal, Passage]], question: str) -> list[tuple[Deal, Passage]]:
    """The deals not yet done, when the question asks what is being done and some are not:
    "What is Alaska Airlines buying?" is Hawaiian, not the merger it completed in 2016."""
    if not _ASKS_ONGOING.search(question):
        return found
    return [f for f in found if f[0].stage not in ("closed", "cancelled")] or found


def _priced(found: list[tuple[Deal, Passage]], question: str) -> list[tuple[Deal, Passage]]:
    """The deals of the price the question names, when it names one and some have it: "Which
    company did Disney buy for $4 billion?" is Marvel, not every deal of Disney's."""
    asked = [
        to_usd(m.value, m.currency)
        for m in find_money(question)
        if not m.per_share and not _bound(question, m) and not (m.high and m.low is None)
    ]
    usd = [a for a in asked if a]
    priced = [f for f in found if f[0].amount_usd and any(_close(f[0].amount_usd, a) for a in usd)]
    return priced or found


# A company a question names by its initials where the table holds its full name, or the other
# way round: "Procter & Gamble" for the table's "P&G", "GE" for its "General Electric".
_INITIALS = re.compile(r"(?<![\w&.'’])[A-Z](?:&?[A-Z]){1,4}(?![\w&])")
_FULL_NAME = re.compile(r"(?<![\w'’])[A-Z][\w.-]*(?:\s+(?:&\s+|of\s+)?[A-Z][\w.-]*)+")


def _initials_of(name: str) -> str | None:
    """The initials of a name of two or more capitalised words, lower-cased ("pg" for "Procter &
    Gamble", "ge" for "General Electric Co"), or None."""
    words = [w for w in name.split() if w.lower() not in ("&", "of") and w.lower() not in SUFFIXES]
    if len(words) < 2 or not all(w[0].isupper() for w in words):
        return None
    return "".join(w[0] for w in words).lower()


def _aliased(question: str, parties: dict[str, str]) -> str:
    """The question with a company it names by initials, or in full, written as the table's
    one party of that name writes it; unchanged where the table already holds the name (or a
    party that has it as a word), or holds two parties it could stand for."""
    if not parties:
        return question  # no deal question, or no table
    keys = " | ".join(parties)

    def known(name: str) -> bool:  # a party, or a word of one ("BP" of "BP's Alaska")
        return f" {normalise(name)} " in f" {keys} "

    short: dict[str, str | None] = {}  # "pg" -> "P&G"
    full: dict[str, str | None] = {}  # "ge" -> "General Electric"
    for name in parties.values():
        if _INITIALS.fullmatch(name):
            letters = re.sub(r"[^a-z]", "", name.lower())
            short[letters] = name if short.get(letters, name) == name else None
        elif (key := _initials_of(name)) is not None:
            full[key] = name if full.get(key, name) == name else None

    def to_short(m: re.Match[str]) -> str:
        words = m.group().split()
        lead = words[0] if words[0].lower() in _QUESTION_WORDS else ""  # "Did Procter & ..."
        run = " ".join(words[1:] if lead else words)
        name = short.get(_initials_of(run) or "")
        return f"{lead} {name}".strip() if name and not known(run) else m.group()

    def to_full(m: re.Match[str]) -> str:
        name = full.get(re.sub(r"[^a-z]", "", m.group().lower()))
        return name if name and not known(m.group()) else m.group()

    return _INITIALS.sub(to_full, _FULL_NAME.sub(to_short, question))


def answer_from_table(question: str, table: DealTable, as_of: dt.date) -> DealAnswer | None:
    """Answer a deal question from the table, or None to leave it to the usual chain."""
    if _ASKS_SELLER.search(question):
        return None  # the table keeps no sellers; the sources may name one
    parties = _parties(table) if table.path.exists() and asks_about_deal(question) else {}
    question = _aliased(question, parties)
    capitalised = _names(question)
    names = capitalised - _TIME_NAMES - _qualifiers(question, parties)
    known = {n: _last_names(parties, n) for n in names}
    # Every party named, said by the deal's sources, even when typed in lower case ("how much
    # did alaska airlines pay for hawaiian": not Alaska's deal for Virgin America).
    keys = {
        k: _last_names(parties, k)
        for k in _named_keys(question, _askable(parties))
        if not set(k.split()) & capitalised
    }
    merging = bool(re.search(r"\bmerg", question, re.IGNORECASE))
    asked = asked_family(question)
    queries = understand_all(question, table, as_of, parties)
    named = [n for q in queries if (n := q.company or q.investor)]
    if _IS_DOING.match(question) and len(named) < 2:
        return None  # "Is Alaska Airlines buying new planes?": what it buys is no party
    if _OWNER_ONLY.search(question) and not any(_owned(question, n) for n in named):
        return None  # "Who owns the building Twitter used as headquarters?"
    if _LEAD_ONLY.search(question):
        return None  # "Who is leading Chelsea in goals?": no round, deal or stake asked of
    fallback: tuple[list[tuple[Deal, Passage]], DealQuery] | None = None
    # What the question names as bought, unless it asks who bought: the same for every query.
    bought = None if _ASKS_BUYER.match(question) else _bought_named(question)
    for query in queries:
        if names and query.company is None and query.investor is None:
            # "Which deals did Delta make?" where Delta is a party to no deal in the table: a
            # deal whose sentence only names it in passing is not its deal. No answer here.
            return None
        found = []
        for d in _in_window(table, query, as_of):
            if not d.mentions:
                continue
            if query.since and d.year and d.year < query.since.year:
                continue  # retold in the window, done years before it: not one of its deals
            if query.since and _ended_before(d, query.since):
                continue  # "the largest deals this year": not Twitter, closed last year
            said = _said(d)
            folded = " " + normalise(said) + " "
            if all(_is_said(n, said, known[n]) for n in names) and all(
                f" {k} " in folded or _is_said(k, said, last) for k, last in keys.items()
            ):
                found.append((d, _passage(d, query)))
        if bought:
            # "How much did Amazon pay for Kroger?": Kroger's deal, or none.
            found = [f for f in found if _is_target(f[0], bought, merging)]
        if query.company and _ASKS_BUYER.match(question):
            # "Who bought Disney?" asks for Disney's buyers, not for the companies it bought.
            found = [f for f in found if _is_target(f[0], query.company, merging)]
        elif query.company and _ASKS_BOUGHT.match(question) and not merging:
            # "Which players did the Dodgers acquire?" asks what the Dodgers bought.
            found = [f for f in found if _is_buyer(f[0], query.company)]
        if asked and query.type is None:
            # "Who bought Twitter?": the takeover, not the stakes its co-investors took; "Who
            # invested in Musk's purchase of Twitter?": the stakes, and the takeover only if
            # no deal of any named party is of the kind asked for.
            same = [f for f in found if FAMILY.get(f[0].type) == asked]
            if not same:
                fallback = fallback or ((found, query) if found else None)
                continue
            found = same
        if merging and query.type is None:
            # "Which company is GE merging its oil and gas business with?": GE's merger, not
            # the purchases the same articles tell of, when the table holds one.
            found = [f for f in found if f[0].type == "merger"] or found
        if found:
            return _answer(
                _ongoing(_priced(found, question), question)[:MAX_DEALS], query, question
            )
    if fallback:
        return _answer(fallback[0][:MAX_DEALS], fallback[1], question)
    return None  # no deal in the table names everyone the question names


# The words that ask for one family of deals (`merge.FAMILY`): whichever comes first.
_FAMILY_WORDS = [
    ("m&a", re.compile(rf"\b(?:{_MA_WORDS}|{_OWNER})\b", re.IGNORECASE)),
    ("money", re.compile(rf"\b(?:{_MONEY_WORDS}|back(?:s|ed|ing)?|series\s+[a-h])\b",
                         re.IGNORECASE)),
]  # fmt: skip


# The words a cited sentence holds when it tells of a deal of a family (`asked_family`).
_FAMILY_SAID = {
    "m&a": re.compile(
        rf"\b(?:{_MA_WORDS}|sold|sells?|selling|sale|deals?|owns?|owned|owners?)\b",
        re.IGNORECASE,
    ),
    "money": re.compile(
        rf"\b(?:{_MONEY_WORDS}|back(?:s|ed|ing|ers?)|valu\w*|financ\w*|shares?|owns?|owned|put|"
        # "still negotiating the deal with Cosco" (for its stake)
        r"seek\w*|sought|led|lead\w*|deals?|bids?)\b",
        re.IGNORECASE,
    ),
}


# A question that asks for a party: "Who bought ...?", "Which company did ... acquire?".
_ASKS_PARTY = re.compile(r"\s*(?:who|whom|which|what)\b", re.IGNORECASE)


def deal_unsaid(question: str, quotes: Iterable[str]) -> bool:
    """Tell whether a deal question answered from the articles (not the table) cites no
    sentence that tells of a deal of the kind it asks about: "Who bought FTX?" answered
    "Sam Bankman-Fried" from "The legal ramifications for FTX and its founder, Sam
    Bankman-Fried, remain unclear." The answer ties a name to the company, not to a deal, and
    is refused. False when nothing is cited (other checks judge that) or the question asks
    for no family of deals."""
    quotes = [q for q in quotes if q]
    if not quotes or not asks_about_deal(question) or not _ASKS_PARTY.match(question):
        return False
    if _ASKS_AMOUNT.search(question) or _ASKS_SHARE.search(question):
        return False  # a sum or a size is asked: the sentence holding it may not name the deal
    family = asked_family(question)
    return family is not None and not any(_FAMILY_SAID[family].search(q) for q in quotes)


# "Who became the largest shareholder of Tribune?", "Who is Tribune's biggest shareholder?":
# who holds the most of a company, which the table answers as it answers "Who owns Tribune?".
_HOLDER = r"(?:largest|biggest|majority|controlling|main|top)\s+(?:shareholder|stakeholder)s?"
_HOLDER_OF = re.compile(
    r"^\s*who\s+(?:is|was|are|were|became|becomes|(?:has|had|have)\s+become)\s+(?:now\s+)?"
    rf"(?:the\s+|a\s+)?{_HOLDER}\s+(?:of|in)\s+(?P<company>.+)$",
    re.IGNORECASE,
)
_HOLDER_OWN = re.compile(
    rf"^\s*who\s+(?:is|was|are|were)\s+(?P<company>.+?)['’]s?\s+(?:new\s+)?{_HOLDER}\s*\??\s*$",
    re.IGNORECASE,
)


def as_owner_question(question: str) -> str:
    """ "Who became the largest shareholder of X?" and "Who is X's biggest shareholder?" as
    "Who owns X?", which the table answers; any other question unchanged."""
    found = _HOLDER_OF.match(question) or _HOLDER_OWN.match(question)
    return f"Who owns {found.group('company').strip()}" if found else question


# "Who is buying McClatchy?" asks for a buyer of McClatchy.
_WHO_BUYS = re.compile(
    r"^\s*who\s+(?:(?:is|was|has|had|will|would|did|could|might)\s+)?(?:be\s+)?"
    r"(?:buy|buying|bought|acquir\w*|purchas\w*|tak(?:e|ing)\s+over|took\s+over)\s+"
    r"(?:the\s+)?(?P<target>(?-i:[A-Z])[\w&.'’-]*(?:\s+(?-i:[A-Z])[\w&.'’-]*){0,3})",
    re.IGNORECASE,
)


def buyer_is_target(question: str, answer: str) -> bool:
    """Tell whether an answer to "Who is buying X?" makes X the buyer instead ("McClatchy is
    buying Alden [1]"): it answers another question, with the sides the other way round."""
    asked = _WHO_BUYS.match(question)
    if not asked:
        return False
    target = re.escape(asked.group("target"))
    return bool(
        re.match(
            rf"\s*(?:the\s+)?{target}\s+(?:(?:is|was|has|had|will|would|also)\s+)*"
            r"(?:buy|buying|bought|acquir\w*|purchas\w*|taking\s+over|took\s+over)\b"
            r"(?![^.;\[]{0,60}\bby\b)",  # not "was bought by Alden": that is a buyer
            answer,
            re.IGNORECASE,
        )
    )


def asked_family(question: str) -> str | None:
    """The family of deals the question's first deal word asks for: "m&a" ("Who bought ...?")
    or "money" ("Who invested in ...?"); None without one."""
    hits = [(m.start(), family) for family, p in _FAMILY_WORDS if (m := p.search(question))]
    return min(hits)[1] if hits else None


def _is_said(word: str, said: str, last_names: Iterable[str] = ()) -> bool:
    """Tell whether a capitalised word of the question is in what a deal's sources say, or is
    the first name of a party whose last name they say ("Elon" of "Elon Musk" where the
    sentence says "Musk"; `last_names` from `_last_names`)."""
    if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", said):  # "AI" is not in "airline"
        return True
    return any(re.search(rf"\b{re.escape(last)}\b", said) for last in last_names)


def _last_names(parties: Iterable[str], first: str) -> list[str]:
    """The last names of the table's parties named `first` first, where no other party shares
    them: "Musk" for "elon", but not "Airlines" for "hawaiian" ("Alaska Airlines" is not
    "Hawaiian Airlines")."""
    names = [p.split() for p in parties]
    shared = Counter(words[-1] for words in names if len(words) > 1)
    return [w[-1] for w in names if len(w) > 1 and w[0] == first and shared[w[-1]] == 1]


# A question that asks for a sum: "How much did ...", "What did Gap pay for ...", "the price".
_ASKS_AMOUNT = re.compile(
    r"\bhow\s+much\b|\bwhat\s+did\b.{0,60}\bpa(?:y|id)\b|"
    r"\b(?:what|which)\s+(?:was|is|were)\s+(?:the\s+)?(?:price|amount|value|cost)\b|"
    r"\bwhat\s+(?:is|was|are|were)\b.{0,140}\bworth\b",
    re.IGNORECASE,
)


# A question that asks who bought, invested or led: "Who bought the Angels?", "Which investors
# backed Veldt AI?" (not "Who did Alaska agree to buy?", which asks what was bought).
_BUYING = (
    r"(?:bought|buys|buying|acquired|acquires|acquiring|purchased|purchases|purchasing|"
    r"invested|invests|investing|backed|backs|backing|funded|funds|funding|led|leads|leading|"
    r"t(?:ook|akes|aking)\s+over|(?:agreed|plans?|planning|want(?:s|ed)?)\s+to\s+buy|will\s+buy|"
    r"owns|owned)"
)
_AUX = r"(?:is|are|was|were|has|have|had|will|would|did|does|do)"
_ASKS_BUYER = re.compile(
    # The words after "which" name what is asked for; an auxiliary among them begins a clause
    # with its own subject ("Which companies has Disney acquired?" asks what Disney bought).
    rf"\s*(?:who\s+|which\s+(?:(?!{_AUX}\b)[\w&'’-]+\s+){{1,3}}?)(?:{_AUX}\s+)?{_BUYING}\b"
    # "Who is Twitter's new owner?", "Who are the Dodgers' owners?"
    r"|\s*who(?:'s|\s+is|\s+are|\s+was|\s+were)\s+(?:[\w&.'’-]+\s+){0,5}?owners?\b",
    re.IGNORECASE,
)
_ASKS_LEAD = re.compile(
    r"^\s*who\b.{0,20}\b(?:led|leads|leading)\b|\blead\s+investors?\b", re.IGNORECASE
)
# What a "how much did A pay for B" or "did A buy B" question names as bought: the deal must
# be B's, not another deal of A's whose sources name B in passing ("How much did Amazon pay
# for Kroger?": not Whole Foods, though an article on it says "than if they had gone after
# Kroger").
_BOUGHT_NAMED = re.compile(
    r"\b(?:pa(?:y|id|ying)\s+for|buy|bought|buying|acquire[ds]?|acquiring|purchase[ds]?|"
    r"purchasing|t(?:ake|akes|ook|aking)\s+over)\s+(?:the\s+)?"
    r"(?P<name>(?-i:[A-Z])[\w&.'’-]*(?:\s+(?-i:[A-Z])[\w&.'’-]*){0,3})",
    re.IGNORECASE,
)


def _bought_named(question: str) -> str | None:
    """The company a question names as what was bought ("pay for Kroger"), or None."""
    m = _BOUGHT_NAMED.search(question)
    return re.sub(r"['’]s?$", "", m.group("name")).strip(".") if m else None


# A question that asks who sold: the table keeps no sellers ("From which company did Sinclair
# acquire the networks?" is Disney, which the line "Sinclair's acquisition of RSNs" leaves out).
_ASKS_SELLER = re.compile(
    # "... did Rite Aid buy Elixir Solutions from?"
    r"^\s*from\s+(?:which|what|whom)\b|\bfrom\s*\??\s*$|^\s*who\s+(?:sold|sells|is\s+selling)\b|"
    r"^\s*(?:which|what)\s+(?:[\w&'’-]+\s+){1,3}?(?:sold|sells|is\s+selling)\b",
    re.IGNORECASE,
)


def _answer(found: list[tuple[Deal, Passage]], query: DealQuery, question: str = "") -> DealAnswer:
    deals = [d for d, _ in found]
    # What the question asks of the deals that none of them has: said, and declined.
    unsaid = None
    if _ASKS_SHARE.search(question):
        # "How big a stake did Trian acquire in P&G?" is answered by its price too.
        sized = bool(re.search(r"\bhow\s+(?:big|large)\b", question, re.IGNORECASE))
        if not any(d.share or (sized and d.amount) for d in deals):
            unsaid = "The articles don't say how large a stake. They report {}."
    elif _ASKS_AMOUNT.search(question) and not any(d.amount for d in deals):
        unsaid = "The articles don't say how much. They report {}, with no amount."
    elif _ASKS_LEAD.search(question) and not any(d.lead for d in deals):
        unsaid = "The articles don't say who led it. They report {}."
    elif _ASKS_BUYER.match(question) and not any(d.buyers for d in deals):
        unsaid = "The articles don't say who. They report {}."
    if unsaid:
        # ... with the stage of a deal not done as told ("Ford's acquisition of Lucid Motors
        # (reported, not confirmed)": talks, not a purchase)
        told = "; ".join(
            re.sub(r"^An undisclosed", "an undisclosed", _describe(d))
            + (f" ({STAGE_TEXT[d.stage]})" if d.stage in ("rumoured", "cancelled") else "")
            for d in deals
        )
        return DealAnswer(
            text=unsaid.format(told),
            passages=[p for _, p in found],
            deals=deals,
            query=query,
            declined=True,
        )
    lines = [_sentence(d, n) for n, d in enumerate(deals, 1)]
    return DealAnswer(
        text="\n".join(f"- {line}" for line in lines) if len(lines) > 1 else lines[0],
        passages=[p for _, p in found],
        deals=deals,
        query=query,
    )
