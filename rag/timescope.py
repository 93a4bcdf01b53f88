"""The time a question is about: "this week", "recently", "last month", "in 2023", "in March".

A question's scope is a window of publication dates relative to its as-of date. Retrieval favours
articles inside the window, and an answer whose best source lies before it says when that source
is from. A question with no time words has no scope and is searched as before.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name and name != "May"}
_MONTHS["sept"] = 9  # as newsrooms abbreviate it ("Sept. 30"), beside the calendar's "Sep"
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"

# Each rule: a pattern, then how many days back from the as-of date the window starts (or a
# function of the match and the as-of date giving the window), and whether it is soft (a
# preference for new articles rather than a named period).
_DAYS: list[tuple[str, int, bool]] = [
    (r"\b(today|tonight|this (morning|afternoon|evening))\b", 2, False),
    (r"\b(yesterday|last night)\b", 3, False),
    (
        rf"\b((on|last|this|earlier this|late last|late|early) ({_WEEKDAY})"
        rf"|({_WEEKDAY}) (night|morning|afternoon|evening))\b",
        8,
        False,
    ),
    (
        r"\b(this (past )?week(end)?|past (seven|7) days|past week|in recent days|past few days"
        r"|earlier this week|this past weekend|over the weekend|last few days|days ago)\b",
        8,
        False,
    ),
    (r"\b(last week(end)?|past two weeks|two weeks ago)\b", 15, False),
    (
        r"\b(this month|past month|past (few|several|two|three) weeks|in recent weeks"
        r"|last few weeks|weeks ago)\b",
        31,
        False,
    ),
    (r"\b(this (season|quarter)|past (few|several) months)\b", 92, False),
    (
        r"\b(recent(ly)?|latest|newly|newest|currently|current|now|nowadays|so far|upcoming"
        r"|(?-i:new|just))\b",
        31,
        True,
    ),
]
_DAY_RULES = [(re.compile(p, re.IGNORECASE), d, soft) for p, d, soft in _DAYS]
# A season is its months (the northern meteorological seasons, as US and European news use
# them): "this summer" asked in November is June to August, not the last three months.
_SEASONS = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}  # first month
_SEASON = re.compile(  # not "the last fall in prices"
    r"(?<!the )\b(?P<w>this past|this|last|over the|earlier this)\s+"
    r"(?P<s>spring|summer|fall|autumn|winter)\b",
    re.IGNORECASE,
)
SEASON_DAYS = 92  # a season not begun yet ("this winter", asked in November): the last 92 days
_LAST_MONTH = re.compile(r"\blast month\b", re.IGNORECASE)
_THIS_YEAR = re.compile(r"\b(this year|so far this year|earlier this year|past year)\b", re.I)
_LAST_YEAR = re.compile(r"\blast year\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(in|during|of|since|throughout|for)\s+(19[5-9]\d|20\d\d)\b", re.IGNORECASE)
# "in March", "in March 2024", "last March", "this March"; "May" only capitalised and after a
# preposition, since "may" is mostly a verb.
_NAMED_MONTH = re.compile(
    rf"\b(in|during|last|this|since|early|late|mid|of)[- ]+(?P<m>{_MONTH})\.?"
    r"(\s+(?P<y>(19|20)\d\d))?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TimeScope:
    """A window of publication dates a question is about, and the words that set it.

    `soft` scopes ("recently", "latest") prefer new articles; named ones ("this week", "in
    2023") are periods an answer's source should fall in. An `implied` scope is one the
    question does not state: news questions with no time words are mostly about the latest
    news, so retrieval leans to it, but no answer is called stale for falling outside it.
    """

    phrase: str
    start: dt.date
    end: dt.date
    soft: bool = False
    implied: bool = False

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def days_before(self, day: dt.date) -> int:
        """Days from `day` to the window's start (0 when inside or after it)."""
        return max(0, (self.start - day).days)

    @property
    def length(self) -> int:
        return (self.end - self.start).days + 1


def named_start(scope: TimeScope | None) -> dt.date | None:
    """The start of the period a question names ("this week", "in 2023"), or None when it
    names none (no scope, or only soft words such as "recently", or the implied recent news)."""
    return scope.start if scope is not None and not scope.soft else None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _season_window(season: str, year: int) -> tuple[dt.date, dt.date]:
    """The first and last day of `season` beginning in `year` (winter ends the next year)."""
    first = _SEASONS[season]
    start = dt.date(year, first, 1)
    last_year, last = (year + 1, 2) if first == 12 else (year, first + 2)
    return start, _month_end(last_year, last)


def _season(m: re.Match[str], as_of: dt.date) -> TimeScope:
    """The window of "this summer", "last winter", "over the summer", as of `as_of`: the
    season's last occurrence begun by then ("last": the last one ended by then); a season
    not begun yet stands for the last SEASON_DAYS days."""
    season, word = m.group("s").lower(), m.group("w").lower()
    start, end = _season_window(season, as_of.year)
    if start > as_of:  # not begun this year: the one begun last year (every season has)
        start, end = _season_window(season, as_of.year - 1)
    if word == "last" and end >= as_of:
        start, end = _season_window(season, start.year - 1)
    elif word in ("this", "earlier this") and start.year < as_of.year and end < as_of:
        # "this summer" in March: the summer to come, not last year's
        return TimeScope(m.group(0), as_of - dt.timedelta(days=SEASON_DAYS), as_of)
    return TimeScope(m.group(0), start, min(end, as_of))


def time_scope(question: str, as_of: dt.date) -> TimeScope | None:
    """Return the window of dates `question` asks about, as of `as_of`, or None.

    The narrowest period named wins ("this week" over "this year"); a named year or month comes
    before relative words, and soft words ("recently", "new") only apply when nothing else does.
    """
    m = _NAMED_MONTH.search(question)
    if m and not (m.group("m") in ("may", "MAY") and m.group("m")[0].islower()):
        month = _MONTHS[m.group("m").lower()]
        if m.group("y"):
            year = int(m.group("y"))
        else:
            year = as_of.year if month <= as_of.month else as_of.year - 1
            if m.group(1).lower() == "last" and month == as_of.month:
                year -= 1
        start = dt.date(year, month, 1)
        end = min(_month_end(year, month), as_of)
        if m.group(1).lower() == "since":
            end = as_of
        if start <= as_of:
            return TimeScope(m.group(0), start, max(start, end))
    m = _YEAR.search(question)
    if m:
        year = int(m.group(2))
        start = dt.date(year, 1, 1)
        end = as_of if m.group(1).lower() == "since" else min(dt.date(year, 12, 31), as_of)
        if start <= as_of:
            return TimeScope(m.group(0), start, end)
    for pattern, days, soft in _DAY_RULES:
        m = pattern.search(question)
        if m and not soft:
            return TimeScope(m.group(0), as_of - dt.timedelta(days=days), as_of)
    m = _SEASON.search(question)
    if m:
        return _season(m, as_of)
    m = _LAST_MONTH.search(question)
    if m:
        first = as_of.replace(day=1)
        prev = first - dt.timedelta(days=1)
        return TimeScope(m.group(0), prev.replace(day=1), as_of)
    m = _THIS_YEAR.search(question)
    if m:
        start = dt.date(as_of.year, 1, 1)
        if m.group(0).lower() == "past year":
            start = as_of - dt.timedelta(days=366)
        return TimeScope(m.group(0), start, as_of)
    m = _LAST_YEAR.search(question)
    if m:
        return TimeScope(m.group(0), dt.date(as_of.year - 1, 1, 1), as_of)
    for pattern, days, soft in _DAY_RULES:
        m = pattern.search(question)
        if m and soft:
            return TimeScope(m.group(0), as_of - dt.timedelta(days=days), as_of, soft=True)
    return None


def age_words(published: dt.date, as_of: dt.date) -> str:
    """Say how long before `as_of` something was published: "the same day", "3 days before",
    "2 months before", "12 years before"."""
    days = (as_of - published).days
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} after"
    if days == 0:
        return "the same day"
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''} before"
    if days < 61:
        return f"{days // 7} weeks before"
    if days < 730:
        months = round(days / 30.44)
        return f"{months} months before"
    return f"{days // 365} years before"


def dated_label(published: str | None, as_of: str | dt.date, reference: str = "") -> str:
    """Say when a source was published and how long before `as_of`: "2014-05-23, 9 years
    before", then `reference` (" the question"); "date unknown" without a date, the text as it
    is when it is not a date."""
    if not published:
        return "date unknown"
    try:
        day = dt.date.fromisoformat(published[:10])
        ref = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)
    except ValueError:
        return published
    return f"{published[:10]}, {age_words(day, ref)}{reference}"


def month_year(day: dt.date) -> str:
    """Return "May 2014"."""
    return f"{calendar.month_name[day.month]} {day.year}"
