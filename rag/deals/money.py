"""Money amounts in news sentences: "$600 million", "HK$300m", "at least €1bn", "$ 47.08 a share".

`find_money` returns every amount with its currency (ISO 4217), its value in units of that
currency, the qualifier before it ("at least", "up to", "about") folded into a low/high bound, and
whether it is a price per share. It reads both ordinary text and the pre-tokenised text of the
evaluation corpus ("$ 18.6 billion", "US $ 5 billion"). `to_usd` converts at the ECB reference
rate of a day, offline.

A number counts as money only with a currency next to it: a symbol or code before it ("$", "US$",
"€", "RMB", "Rs") or a currency word after it ("yuan", "U.S. dollars", "crore rupees"). A bare
"$" means US dollars; "¥" means yen.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from currency_converter import CurrencyConverter


@dataclass(frozen=True)
class Money:
    """One money span of a text: where it is, its currency and its bounds."""

    start: int
    end: int
    text: str
    currency: str
    low: float | None
    high: float | None
    qualifier: str
    per_share: bool

    @property
    def value(self) -> float:
        """A single representative amount: the low bound if there is one, else the high."""
        value = self.low if self.low is not None else self.high
        assert value is not None  # find_money never builds a Money without a bound
        return value


# Symbols and letter-prefixed dollars written before the number. Longest first, so that "HK$"
# wins over "$". Single letters ("A$", "C$") only when attached: "Class A $ 5" is not Australian.
_SYMBOLS: dict[str, str] = {
    "US$": "USD",
    "U.S.$": "USD",
    "HK$": "HKD",
    "NZ$": "NZD",
    "AU$": "AUD",
    "CA$": "CAD",
    "CAN$": "CAD",
    "SG$": "SGD",
    "NT$": "TWD",
    "MX$": "MXN",
    "A$": "AUD",
    "C$": "CAD",
    "S$": "SGD",
    "R$": "BRL",
    "CN¥": "CNY",
    "RMB¥": "CNY",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₪": "ILS",
    "₺": "TRY",
    "฿": "THB",
}
# Codes written before or after the number, upper case only ("EUR 50 million", "5bn EUR").
# Codes that are also common words or names (ALL, PHP, TRY, CUP) are left out.
# fmt: off
_ISO = [
    "USD", "EUR", "GBP", "JPY", "CNY", "HKD", "INR", "KRW", "CAD", "AUD", "CHF", "SGD", "NZD",
    "BRL", "SEK", "NOK", "DKK", "RUB", "ZAR", "MXN", "TWD", "THB", "MYR", "IDR", "PLN", "ILS",
    "AED", "SAR", "CZK", "HUF",
]
# fmt: on
_CODES: dict[str, str] = {code: code for code in _ISO} | {"RMB": "CNY", "Rs": "INR", "Rs.": "INR"}
# Currency words after the number ("100 million U.S. dollars"), matched without regard to case.
_WORDS: list[tuple[str, str]] = [
    (r"(?:u\.s\.|us|american)[ \t]?dollars?", "USD"),
    (r"canadian dollars?", "CAD"),
    (r"australian dollars?", "AUD"),
    (r"(?:hong kong|hk) dollars?", "HKD"),
    (r"singapore dollars?", "SGD"),
    (r"new zealand dollars?", "NZD"),
    (r"(?:new )?taiwan(?:ese)? dollars?", "TWD"),
    (r"dollars?", "USD"),
    (r"euros?", "EUR"),
    (r"(?:british )?pounds?(?: sterling)?|sterling", "GBP"),
    (r"(?:japanese )?yen", "JPY"),
    (r"(?:chinese )?(?:yuan|renminbi)", "CNY"),
    (r"(?:south )?(?:korean )?won", "KRW"),
    (r"(?:indian )?rupees?", "INR"),
    (r"swiss francs?", "CHF"),
    (r"(?:brazilian )?reais", "BRL"),
    (r"(?:russian )?r[ou]bles?", "RUB"),
    (r"(?:mexican )?pesos", "MXN"),
    (r"(?:swedish )?kronor", "SEK"),
    (r"norwegian kroner", "NOK"),
    (r"danish kroner", "DKK"),
    (r"(?:south african )?rand", "ZAR"),
    (r"ringgit", "MYR"),
    (r"baht", "THB"),
    (r"rupiah", "IDR"),
    (r"zlotys?", "PLN"),
    (r"shekels?", "ILS"),
    (r"cents?", "USD"),
    (r"pence", "GBP"),
]
_WORD_RES = [(re.compile(p, re.IGNORECASE), code) for p, code in _WORDS]
# Words that name the currency without picking one dollar out of many, so a more specific
# currency beside them wins: "$ 17 Canadian dollars" is CAD.
_GENERIC = {"$", "dollar", "dollars"}
_HUNDREDTHS = re.compile(r"cents?|pence", re.IGNORECASE)

_SCALES: dict[str, int] = {
    "thousand": 10**3,
    "k": 10**3,
    "lakh": 10**5,
    "lakhs": 10**5,
    "lac": 10**5,
    "million": 10**6,
    "millions": 10**6,
    "mln": 10**6,
    "mn": 10**6,
    "mil": 10**6,
    "mm": 10**6,
    "m": 10**6,
    "crore": 10**7,
    "crores": 10**7,
    "cr": 10**7,
    "billion": 10**9,
    "billions": 10**9,
    "bln": 10**9,
    "bn": 10**9,
    "bil": 10**9,
    "b": 10**9,
    "trillion": 10**12,
    "trillions": 10**12,
    "tln": 10**12,
    "trn": 10**12,
    "tn": 10**12,
    "lakh crore": 10**12,
}


def _alternation(words: list[str], escape: bool = True) -> str:
    """Join alternatives longest first, so that the regex prefers "bn" to "b"."""
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w) if escape else w for w in ordered)


_SP = r"[ \t\u00a0]"
_SYMBOL = (
    rf"(?<![A-Za-z])(?:US|U\.S\.|HK|NZ){_SP}\$"  # "US $ 5 billion", as tokenised
    rf"|(?<![A-Za-z])(?:{_alternation([s for s in _SYMBOLS if s[0].isalpha()])})"
    rf"|{_alternation([s for s in _SYMBOLS if not s[0].isalpha()])}"
)
_CODE = rf"(?<![A-Za-z])(?:{_alternation(list(_CODES))})(?![A-Za-z])"
_NUMBER = (
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 9,624 and 1,000,000.5
    r"|\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d+)?"  # Indian grouping: 1,00,000
    r"|\d+(?:\.\d+)?"
)
_SCALE = _alternation([s.replace(" ", f"{_SP}+") for s in _SCALES], escape=False)
# A code followed by a number is that number's prefix: "in 2017 EUR 50 million".
_SUFFIX = rf"(?i:{'|'.join(p for p, _ in _WORDS)})(?![A-Za-z])|{_CODE}(?!{_SP}{{0,2}}\d)"
_ATOM = re.compile(
    rf"(?:(?P<pre>{_SYMBOL}|{_CODE}){_SP}{{0,2}})?"
    rf"(?P<num>{_NUMBER})(?![\d]|[.,]\d)"
    rf"(?:{_SP}*-?{_SP}*(?P<scale>(?i:{_SCALE}))(?![A-Za-z]))?"
    r"(?![A-Za-z0-9_])"
    rf"(?:(?:{_SP}+|-)(?P<suf>{_SUFFIX}))?"  # "1.06 billion-euro fine"
)

# The qualifier right before an amount, and what it does to the bounds.
_LOWER = [
    "at least",
    "more than",
    "over",
    "well over",
    "upwards of",
    "upward of",
    "in excess of",
    "greater than",
    "north of",
    "above",
    "well above",
    "no less than",
    "not less than",
    "a minimum of",
]
_UPPER = [
    "up to",
    "as much as",
    "as high as",
    "less than",
    "under",
    "no more than",
    "not more than",
    "at most",
    "a maximum of",
    "below",
]
_APPROX = [
    "about",
    "around",
    "roughly",
    "nearly",
    "almost",
    "some",
    "approximately",
    "approx.",
    "close to",
    "an estimated",
    "estimated",
    "circa",
    "just over",
    "just under",
    "a little over",
    "a little under",
    "slightly more than",
    "slightly less than",
    "just above",
    "just below",
]
_QUALIFIERS = [re.escape(q).replace(r"\ ", f"{_SP}+") for q in _LOWER + _UPPER + _APPROX]
_QUALIFIER = re.compile(
    rf"(?<![\w.])(?P<q>{_alternation(_QUALIFIERS, escape=False)}){_SP}*$", re.IGNORECASE
)
_BETWEEN = re.compile(rf"(?<![\w])between{_SP}+$", re.IGNORECASE)
_YEAR = re.compile(r"(?:19|20)\d\d")
_CHANGE = re.compile(rf"(?<![\w])(?:from|by){_SP}+$", re.IGNORECASE)
_RANGE_DASH = re.compile(rf"{_SP}*(?:-|–|—|--|to){_SP}*")
_RANGE_AND = re.compile(rf"{_SP}+and{_SP}+")
_PER_SHARE = re.compile(
    rf"{_SP}*(?:(?:a|per|each){_SP}+|/{_SP}*)(?:(?:ordinary|common){_SP}+)?"
    r"(?:share|ADS|ADR)s?\b|"
    rf"{_SP}+apiece\b",
    re.IGNORECASE,
)
# How far back a qualifier can start ("slightly more than " is the longest).
_LOOKBACK = 40


@dataclass(frozen=True)
class _Atom:
    """A number with whatever currency and scale sit next to it."""

    start: int
    end: int
    number: Decimal
    multiplier: Decimal  # the scale word ("billion"), or 0.01 for "cents"; 1 when none
    currency: str | None
    generic: bool  # the currency is a plain "$" or "dollars"
    prefixed: bool  # the currency is written before the number

    @property
    def amount(self) -> Decimal:
        """The number times its scale."""
        return self.number * self.multiplier


def _currency_of(surface: str) -> str | None:
    """The ISO code for a symbol, code or currency word as written."""
    squeezed = re.sub(rf"{_SP}+", "", surface)
    if squeezed in _SYMBOLS:
        return _SYMBOLS[squeezed]
    if surface in _CODES:
        return _CODES[surface]
    for pattern, code in _WORD_RES:
        if pattern.fullmatch(surface):
            return code
    return None


def _inside_token(text: str, start: int) -> bool:
    """Tell whether a number at `start` is the tail of a longer token: "4Q16", "1.2.3"."""
    if start == 0:
        return False
    before = text[start - 1]
    return (
        before.isalnum()
        or before in ",_"
        or (before == "." and text[start - 2 : start - 1].isdigit())
    )


def _atoms(text: str) -> list[_Atom]:
    """Every number of the text with its currency (if any), in order."""
    atoms = []
    for m in _ATOM.finditer(text):
        pre, suf, scale = m.group("pre"), m.group("suf"), m.group("scale")
        if pre is None and _inside_token(text, m.start()):
            continue
        end = m.end()
        if suf is not None and suf.lower() == "won" and not scale and "," not in m.group("num"):
            # "in 2017 won the award": a year before the verb, not Korean money.
            suf, end = None, m.end("num")
        multiplier = Decimal(_SCALES[re.sub(rf"{_SP}+", " ", scale.lower())] if scale else 1)
        if suf is not None and _HUNDREDTHS.fullmatch(suf) and pre is None:
            multiplier /= 100
        cur_pre = _currency_of(pre) if pre else None
        cur_suf = _currency_of(suf) if suf else None
        generic_pre = pre is not None and pre.strip() == "$"
        generic_suf = suf is not None and suf.lower() in _GENERIC
        # A plain "$" gives way to a named dollar after the number: "$ 17 Canadian dollars".
        currency: str | None
        if cur_pre and (not generic_pre or cur_suf is None or generic_suf):
            currency, generic, prefixed = cur_pre, generic_pre, True
        else:
            currency, generic, prefixed = cur_suf, generic_suf, False
        atoms.append(
            _Atom(
                start=m.start(),
                end=end,
                number=Decimal(m.group("num").replace(",", "")),
                multiplier=multiplier,
                currency=currency,
                generic=generic,
                prefixed=prefixed,
            )
        )
    return atoms


def _join_currency(a: _Atom, b: _Atom) -> str | None:
    """The currency of a range a-b, or None when there is none or the two disagree."""
    if a.currency is None or b.currency is None:
        return a.currency or b.currency
    if a.currency == b.currency:
        return a.currency
    if a.generic and a.currency == "USD":
        return b.currency  # "$1-2 billion Canadian dollars"
    if b.generic and b.currency == "USD":
        return a.currency
    return None


def _range(text: str, a: _Atom, b: _Atom) -> tuple[Decimal, Decimal, str] | None:
    """The bounds and currency when atoms a and b form one range, else None."""
    gap = text[a.end : b.start]
    before = text[max(0, a.start - _LOOKBACK) : a.start]
    between = bool(_BETWEEN.search(before))
    if not (_RANGE_DASH.fullmatch(gap) or (between and _RANGE_AND.fullmatch(gap))):
        return None
    if _CHANGE.search(before):
        return None  # "fell from $39 billion to $34 billion", "raised by $1 to $20": two amounts
    if a.currency is None and b.prefixed:
        return None  # "in 2016 - $ 5 billion"
    if b.currency is None and b.multiplier == 1 and _YEAR.fullmatch(text[b.start : b.end]):
        return None  # "$500 million to 2025"
    currency = _join_currency(a, b)
    if currency is None:
        return None
    # "$1-2 billion": the first number borrows the scale of the second.
    low = a.number * b.multiplier if a.multiplier == 1 else a.amount
    high = b.amount
    if not low < high:
        return None  # ranges go up; "$30 to $25" is a change
    return low, high, currency


def find_money(text: str) -> list[Money]:
    """Find every money amount in a text.

    Args:
        text: any text, including pre-tokenised text ("$ 18.6 billion").

    Returns:
        The money spans in order, non-overlapping. A span covers the qualifier before the
        amount and a following "a share"; its offsets index `text`.
    """
    atoms = _atoms(text)
    found: list[Money] = []
    i = 0
    while i < len(atoms):
        a = atoms[i]
        bounds = _range(text, a, atoms[i + 1]) if i + 1 < len(atoms) else None
        if bounds is not None:
            low, high, currency = bounds
            start, end = a.start, atoms[i + 1].end
            i += 2
            before = text[max(0, start - _LOOKBACK) : start]
            between = _BETWEEN.search(before)
            if between:
                qualifier, start = "between", start - (len(before) - between.start())
            else:
                qualifier, start = _qualifier(text, start)
            money_low: float | None = float(low)
            money_high: float | None = float(high)
        else:
            i += 1
            if a.currency is None:
                continue
            currency, start, end = a.currency, a.start, a.end
            qualifier, start = _qualifier(text, start)
            money_low, money_high = _bounds(float(a.amount), qualifier)
        share = _PER_SHARE.match(text, end)
        if share:
            end = share.end()
        found.append(
            Money(
                start=start,
                end=end,
                text=text[start:end],
                currency=currency,
                low=money_low,
                high=money_high,
                qualifier=qualifier,
                per_share=bool(share),
            )
        )
    return found


def _qualifier(text: str, start: int) -> tuple[str, int]:
    """The normalised qualifier right before `start` and where it begins ("" if none)."""
    before = text[max(0, start - _LOOKBACK) : start]
    m = _QUALIFIER.search(before)
    if m is None:
        return "", start
    return " ".join(m.group("q").lower().split()), start - (len(before) - m.start())


def _bounds(amount: float, qualifier: str) -> tuple[float | None, float | None]:
    """Low and high bounds of a single amount under its qualifier."""
    if qualifier in _LOWER:
        return amount, None
    if qualifier in _UPPER:
        return None, amount
    return amount, amount


def parse_money(text: str) -> Money | None:
    """Parse the first money amount of a text.

    Args:
        text: a phrase such as "about $ 1.5 bn" or a whole sentence.

    Returns:
        The first span `find_money` finds, or None when there is none.
    """
    spans = find_money(text)
    return spans[0] if spans else None


@functools.cache
def _converter() -> CurrencyConverter:
    """Load the ECB rates shipped with currencyconverter, once (about half a second)."""
    from currency_converter import CurrencyConverter

    return CurrencyConverter(fallback_on_missing_rate=True, fallback_on_wrong_date=True)


def to_usd(amount: float, currency: str, on: dt.date | None = None) -> float | None:
    """Convert an amount to US dollars at the ECB reference rate of a day.

    Args:
        amount: the amount in units of `currency`.
        currency: an ISO 4217 code ("EUR", "CNY").
        on: the day of the rate; the latest rate when None. Days outside the data take the
            nearest bound; days without a rate inside it are interpolated.

    Returns:
        The amount in USD; `amount` itself for USD; None for a currency the ECB does not quote.
    """
    if currency == "USD":
        return amount
    from currency_converter import RateNotFoundError

    converter = _converter()
    if currency not in converter.currencies:
        return None
    try:
        return float(converter.convert(amount, currency, "USD", date=on))
    except RateNotFoundError:
        return None


def same_amount(a: Money, b: Money, tolerance: float = 0.02) -> bool:
    """Tell whether two amounts are the same: same currency, values within `tolerance`.

    Args:
        a, b: the amounts to compare.
        tolerance: the largest relative difference still counted as equal.

    Returns:
        True when both are in one currency and their values differ by at most `tolerance` of the
        larger one.
    """
    if a.currency != b.currency:
        return False
    x, y = a.value, b.value
    return abs(x - y) <= tolerance * max(abs(x), abs(y))
