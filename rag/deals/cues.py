"""When a deal stands and happened: its stage from cue words, its round, and the date or year
a sentence gives it. The stage never comes from the model."""

from __future__ import annotations

import re
from datetime import date, timedelta

from rag.deals.filter import TRIGGER

# What a modal or a "possible" must govern to hedge a deal (the last group of `_CUES`).
_ADVERBS = (
    r"(?:(?:also|eventually|likely|soon|then|still|now|not|ultimately|potentially|probably|"
    r"instead|(?:seek|try|look|need|want|have)\s+to|consider|agree\s+to)\s+)*"
)
_DEAL_VERB = (
    r"(?:buy|sell|acquire|purchase|merge|invest|raise|bid|pay|take\s+over|"
    r"snap\s+up|fetch|value|own|spin\s+off|go\s+private|team\s+up|join\s+forces)"
)
_DEAL_PARTICIPLE = (
    r"(?:be|been|have|have\s+been)\s+(?:sold|bought|acquired|purchased|merged|combined|valued|"
    r"taken\s+over|worth|raised|invested|spun\s+off|snapped\s+up|part\s+of)"
)
_DEAL_NOUN = (
    r"(?:acquisitions?|mergers?|sales?|deals?|takeovers?|buyouts?|purchases?|bids?|investments?|"
    r"stakes?|combinations?|buyers?|suitors?|acquirers?|investors?|offers?|transactions?|"
    r"tie-ups?|spin-?offs?|funding|financing|rounds?|IPO)"
)

# Hearsay, which hedges a deal whoever tells it, and a news outlet's attribution, which hedges
# only what the company has not itself said (`stage_of`).
_HEARSAY_WORDS = (
    r"reportedly|rumou?r\w*|in\s+talks|people\s+familiar|sources\s+(?:said|say)|"
    r"according\s+to\s+(?:people|sources)"
)
_ATTRIBUTION_WORDS = r"(?<!\ba\s)reported|reports?\s+(?:by|from|said|says)"

# Stage cues, strongest first: a called-off deal that was "reportedly" close is cancelled; a
# deal "people familiar" describe is rumoured even if it was "agreed"; an "announced" deal stays
# announced when the sentence also says what it "could" lead to. Weak hedges ("could", "may",
# "plans to") make a deal rumoured only when nothing says it was agreed or done.
_CUES: list[tuple[str, re.Pattern[str]]] = [
    (
        "cancelled",
        re.compile(
            r"\b(called\s+off|call\s+off|blocked|block(?:s|ing)?\s+the|abandon(?:ed|s)?|scrapped|"
            r"terminat(?:ed|es)|walked\s+away|pulled\s+out|collapsed|fell\s+through|"
            r"rejected|withdr(?:ew|awn))\b",
            re.IGNORECASE,
        ),
    ),
    (
        "rumoured",
        re.compile(
            rf"\b({_HEARSAY_WORDS}|{_ATTRIBUTION_WORDS}|"
            r"talks\s+(?:to|with|about)|in\s+(?:advanced\s+)?discussions|"
            r"considering|weighing|explor(?:es|ing)|is\s+said\s+to|are\s+said\s+to|nearing|"
            r"close\s+to\s+a\s+deal|yet\s+to\s+be\s+finali[sz]ed|not\s+(?:yet\s+)?finali[sz]ed)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "closed",
        re.compile(
            r"\b(completed|closed|finali[sz]ed|has\s+acquired|have\s+acquired|"
            # not "agreed to be bought", "will be acquired"
            r"(?<!\bbe\s)(?:acquired|bought|purchased)|"
            r"raised|secured|took\s+over|"
            # "Berkshire took the stake in Fox at the end of 2014", "has taken a 10% stake"
            r"(?:took|(?:has|have|had)\s+taken)\s+(?:a|an|the|its|their)\s+(?:[\w.%$-]+\s+){0,3}?"
            r"(?:stakes?|holdings?|position|interest)|"
            # "he 'd boosted Berkshire 's stake in Apple"
            r"(?:boosted|increased|lifted|upped|doubled|tripled)\s+(?:its|his|her|their|the|"
            r"(?-i:[A-Z])[\w&.'’-]*\s*['’]\s?s)\s+(?:[\w.%$'’-]+\s+){0,2}?stakes?|"
            # "merged" as a verb, not "the merged company's chairman" (which names a merger
            # that may still be pending)
            r"merged(?!\s+(?:company|companies|entity|firm|group|"
            r"business|bank|airline|carrier|organi[sz]ation)\b)|"
            r"(?:scooped|snapped|bought)\s+(?:up|out)|"
            # "Microsoft has invested $13 billion", not "VyCapital, which also invested in ..."
            r"(?<!\bwhich\s)(?<!\bwho\s)(?<!\bthat\s)(?<!\balso\s)invested|"
            # a holding: "owned major stakes in Rusal", not "which owns USA TODAY" nor "Musk, who
            # already owned nearly 10% of Twitter, is contributing $27 billion for the deal"
            r"(?<!\bwhich\s)(?<!\bwho\s)(?<!\bthat\s)(?<!\balready\s)(?:owns|owned)\s+"
            r"(?:(?:a|an|major|minority|majority|controlling|nearly|about|almost|roughly|"
            r"more\s+than)\s+)*(?:[\d.]+\s*(?:%|percent)\s+(?:of|stake|interest)|stakes?)|"
            # "Constellation subsequently sold Ballast Point to ...", not "will be sold"
            r"(?<!\bbe\s)(?<!\bbeing\s)sold|"
            # "After months attempting to get out of his deal to buy Twitter, Elon Musk
            # officially owns the platform"
            r"(?:now|officially|formally)\s+(?:owns|controls)|"
            # "The merger ..., which became final Tuesday"; "announced that it had become the
            # largest shareholder of Tribune ... by acquiring the entire 25.2% stake"
            r"became\s+(?:final|effective|official)|"
            r"(?:(?:had|has|have)\s+become|became)\s+(?:the\s+)?(?:largest|biggest|majority|"
            r"controlling|sole)\s+(?:shareholder|owner|stakeholder)|"
            # "announced the completion of Sinclair's RSN acquisition"
            r"(?:announc\w+|confirm\w+|celebrat\w+|mark\w*)\s+the\s+(?:completion|closing)\s+of|"
            # money a deal has brought in and that was spent: "having paid down its debt with
            # the proceeds of Soon-Shiong's purchase of The Times" (not "will use the proceeds")
            r"(?:paid|used|funded|financed|spent|returned)\b[^.;]{0,80}?\bproceeds\s+(?:of|from)\s+"
            r"(?:the\s+|its\s+|their\s+|(?-i:[A-Z])[\w&.'’-]*\s+)*?"
            r"(?:(?-i:[A-Z])[\w&.'’-]*['’]s?\s+)?(?:\$?[\w.,]+\s+)?"
            r"(?:sale|purchase|acquisition|takeover|divestiture|buyout))\b",
            re.IGNORECASE,
        ),
    ),
    (
        "announced",
        re.compile(
            r"\b(agreed|agrees|announced|announces|signed|definitive\s+agreement|will\s+acquire|"
            r"will\s+buy|unveiled|confirmed|cleared|approved|approves)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "rumoured",
        re.compile(
            r"\b(seek(?:s|ing)|looking\s+to|plans?\s+to|planning|bid|expects?\s+to|anticipated|"
            r"intends?\s+to|aims?\s+to|"
            # "will be sold for at least $3 billion, ... several MLB owners believe"
            r"believes?|predicts?|speculat\w+|inevitabl[ey])\b"
            # A modal or a "possible" hedges the deal only where it governs a deal word: "Harlow
            # may buy Quintel", "a possible $2 billion sale", not what the deal "would" do ("the
            # merger would limit choices") nor what is done after it ("Shortly after acquiring
            # Twitter, Musk said he would create a council").
            rf"|\b(?:could|(?-i:may)|might|would)\s+{_ADVERBS}(?:{_DEAL_VERB}|{_DEAL_PARTICIPLE})\b"
            rf"|\bpropos(?:al|als|ed|es|ing)\s+to\s+{_DEAL_VERB}\b"
            rf"|\b(?:possible|potential|proposed)\s+(?:(?:an?|the)\s+)?"
            rf"(?:(?:[$\d][\w$.,%]*|(?-i:[A-Z])[\w&.'’-]*|[a-z]+-[a-z-]+|million|billion)\s+){{0,3}}"
            rf"{_DEAL_NOUN}\b",
            re.IGNORECASE,
        ),
    ),
]


# A year as the deal's adjective: "its 1994 acquisition of Liberty Bank".
_DEAL_YEAR = r"\b((?:19|20)\d\d)\s+(?=(?:(?:acquisition|purchase|takeover|merger|buyout)s?|sale)\b)"
_IN_YEAR = re.compile(
    r"\bin\s+(?:(?:early|mid|late)[\s-]+)?((?:19|20)\d\d)\b|" + _DEAL_YEAR, re.IGNORECASE
)
# A year the sentence gives the deal: "bought in 2015", "first announced in late 2017", "August
# 2019: Sinclair acquires RSNs", "in March 2012".
_YEAR = re.compile(
    r"\b(?:in\s+(?:(?:early|mid|late)[\s-]+)?|"
    r"(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+"
    r"(?:\d{1,2}(?:st|nd|rd|th)?\s*,?\s+)?)"
    r"((?:19|20)\d\d)\b(?!\s*[-–]\d)",
    re.IGNORECASE,
)


# A year that dates another event than the deal: "Since launching in 2015, Juul ...", "founded
# in 1998", "went public in 2019".
_OTHER_EVENT = re.compile(
    r"\b(?:launch(?:ed|ing)?|found(?:ed|ing)|start(?:ed|ing)|open(?:ed|ing)|establish(?:ed|ing)|"
    r"incorporated|debut(?:ed|ing)?|born|went\s+public|go(?:ing)?\s+public|listed|"
    # not "formed in 2019 by merging two security firms": a merger forms a company
    r"retir(?:ed|ing)|elected|hired|joined|died)\s+"
    r"(?:(?:the\s+)?(?:company|firm|business|brand|startup|start-up)\s+)?$",
    re.IGNORECASE,
)


def _of_another_event(year: re.Match[str], sentence: str) -> bool:
    """Tell whether the words just before a year's match make it the date of something else."""
    return bool(_OTHER_EVENT.search(sentence[max(0, year.start() - 40) : year.start()]))


def event_year(sentence: str, published: date | None) -> int | None:
    """The year before the article's that the sentence gives the deal ("it bought in 2015",
    "August 2019: Sinclair acquires RSNs"), or None. `stage_of` reads only "in 2015" this way
    (as a cue that the deal is done), not the wider forms found here."""
    if published is None:
        return None
    found = [*_YEAR.finditer(sentence), *re.finditer(_DEAL_YEAR, sentence, re.IGNORECASE)]
    years = sorted(
        (
            m
            for m in found
            if int(m.group(1)) < published.year and not _of_another_event(m, sentence)
        ),
        key=lambda m: m.start(),
    )
    year = _after_deal_word(years, sentence) if len(years) > 1 else None
    year = year or (years[0] if years else None)
    return int(year.group(1)) if year else None


def _after_deal_word(years: list[re.Match[str]], sentence: str) -> re.Match[str] | None:
    """Of several years in a sentence, the one that dates the deal: the nearest after a word
    of the deal ("Fiesta Henderson opened in 1998 ... and was acquired by Station Casinos in
    2001": 2001), or None when no year follows one."""
    deal = [t.start() for t in TRIGGER.finditer(sentence)]
    after = [y for y in years if any(at < y.start() for at in deal)]
    return min(
        after, key=lambda y: min(y.start() - at for at in deal if at < y.start()), default=None
    )


def stage_of(sentence: str, published: date | None = None) -> tuple[str, str | None]:
    """The deal's stage from cue words in the sentence, and the cue; "announced" by default.

    A year before the article's ("its acquisition of WhatsApp in 2014") makes the deal done,
    unless a cancel or rumour word says otherwise.
    """
    for n, (stage, pattern) in enumerate(_CUES):
        if n == 2 and published is not None:
            year = _deal_in_year(sentence)
            if year and int(year.group(1) or year.group(2)) < published.year:
                return "closed", year.group(0).strip()
        m = pattern.search(sentence)
        if m:
            if stage == "rumoured" and n == 1 and _ATTRIBUTION.fullmatch(m.group(0)):
                # "SpaceX disclosed that ... it has raised $2 billion this year, CNBC reported":
                # the outlet tells what the company itself said it has done.
                own = _OWN_DISCLOSURE.search(sentence)
                if own and not _HEARSAY.search(sentence):
                    return "closed", f"{own.group('said')} … {own.group('done')}"
            return stage, m.group(0)
    # No cue word: a time in the past the deal's own words are placed at makes it done ("by
    # acquiring Honest Dollar last May", "its most recent round of fundraising late last
    # year"), not a time of something else ("Last year, the Justice Department sued to block
    # JetBlue from merging with Spirit", "found out last month that Kroger planned to merge").
    for past in _PAST.finditer(sentence):
        before = sentence[max(0, past.start() - 60) : past.start()]
        if _DEAL_BEFORE.search(before) and not _THE_BEFORE.search(before):
            return "closed", past.group(0)
    return "announced", None


def _deal_in_year(sentence: str) -> re.Match[str] | None:
    """The "in 2015" that dates the deal: the sentence's one year (of no other event), or of
    several the one `_after_deal_word` picks, as `event_year` reads it; else the first."""
    years = [y for y in _IN_YEAR.finditer(sentence) if not _of_another_event(y, sentence)]
    year = _after_deal_word(years, sentence) if len(years) > 1 else None
    return year or (years[0] if years else None)


# A deal word in the same clause just before the past time, and not "the last year".
_DEAL_BEFORE = re.compile(
    r"\b(?:acquir\w*|bought|buy\w*|purchas\w*|took\s+over|raised|rounds?|acquisitions?|"
    r"mergers?|merged|sale|sold|stakes?|invested|investments?)\b[^,;:()]*$",
    re.IGNORECASE,
)
_THE_BEFORE = re.compile(r"\bthe\s+$", re.IGNORECASE)


_ATTRIBUTION = re.compile(_ATTRIBUTION_WORDS, re.IGNORECASE)
_OWN_DISCLOSURE = re.compile(
    r"\b(?P<said>disclosed|announced|confirmed|said|says)\s+(?:that\s+)?[^.;]{0,80}?\b"
    r"(?:it|they|the\s+company)\s+(?P<done>(?:had|has|have)\s+(?:raised|acquired|bought|"
    r"completed|closed|purchased|sold))\b",
    re.IGNORECASE,
)
_HEARSAY = re.compile(rf"\b(?:{_HEARSAY_WORDS})\b", re.IGNORECASE)


def round_of(sentence: str) -> str | None:
    """The funding round named in the sentence ("Series B", "seed"), normalised."""
    m = re.search(r"\bseries\s+([a-h])\b", sentence, re.IGNORECASE)
    if m:
        return f"Series {m.group(1).upper()}"
    m = re.search(
        r"\b(pre-seed|seed|angel|bridge)\s+(?:round|funding|financing)", sentence, re.IGNORECASE
    )
    return m.group(1).lower() if m else None


MONTH_NAMES = "january february march april may june july august september october november"
_PAST = re.compile(
    rf"\b(?:last\s+(?:year|month|week|spring|summer|autumn|fall|winter|"
    rf"{MONTH_NAMES.replace(' ', '|')}|december)|"
    r"(?:a|one|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+(?:years?|months?|weeks?)\s+ago)\b",
    re.IGNORECASE,
)
_MONTHS = {m: i + 1 for i, m in enumerate([*MONTH_NAMES.split(), "december"])}
_DAY = re.compile(
    r"\b(?:on\s+)?(" + "|".join(_MONTHS) + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b",
    re.IGNORECASE,
)
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY = re.compile(r"\bon\s+(" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)


def event_date(sentence: str, published: date | None) -> date | None:
    """A date the sentence states ("on March 5", "on Tuesday"), resolved against `published`."""
    m = _DAY.search(sentence)
    if m:
        month, day = _MONTHS[m.group(1).lower()], int(m.group(2))
        year = int(m.group(3)) if m.group(3) else (published.year if published else None)
        if year is None:
            return None
        try:
            found = date(year, month, day)
        except ValueError:
            return None
        if not m.group(3) and published and found > published + timedelta(days=1):
            found = found.replace(year=year - 1)  # "on December 30" in a January article
        return found
    m = _WEEKDAY.search(sentence)
    if m and published:
        back = (published.weekday() - WEEKDAYS.index(m.group(1).lower())) % 7
        return published - timedelta(days=back)
    return None
