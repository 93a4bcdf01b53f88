"""rag.deals.money: money spans, currencies, scales, qualifiers, ranges, conversion to USD."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.deals.money import Money, find_money, parse_money, same_amount, to_usd

# (text, currency, amount): one point amount that covers the whole text.
POINT = [
    ("$600 million", "USD", 600e6),
    ("$1.2bn", "USD", 1.2e9),
    ("$5B", "USD", 5e9),
    ("$300K", "USD", 300e3),
    ("$300k", "USD", 300e3),
    ("$1.5 trillion", "USD", 1.5e12),
    ("$2tn", "USD", 2e12),
    ("$9,624 million", "USD", 9.624e9),
    ("$ 9,621.3 million", "USD", 9.6213e9),
    ("US$1.2 billion", "USD", 1.2e9),
    ("USD 100 million", "USD", 100e6),
    ("USD100m", "USD", 100e6),
    ("100 million dollars", "USD", 100e6),
    ("100 million U.S. dollars", "USD", 100e6),
    ("100 million US dollars", "USD", 100e6),
    ("$5 mln", "USD", 5e6),
    ("$5 mn", "USD", 5e6),
    ("$5 MILLION", "USD", 5e6),
    ("$5 Bln", "USD", 5e9),
    ("$5 thousand", "USD", 5e3),
    ("$5-million", "USD", 5e6),
    ("5-million-dollar", "USD", 5e6),
    # pre-tokenised, as in the evaluation corpus
    ("$ 18.6 billion", "USD", 18.6e9),
    ("$ 47.08", "USD", 47.08),
    ("US $ 5 billion", "USD", 5e9),
    ("U.S. $ 5 billion", "USD", 5e9),
    ("$ 1.5 bn", "USD", 1.5e9),
    ("$ 3B", "USD", 3e9),
    # other dollars
    ("HK$300m", "HKD", 300e6),
    ("HK $ 300 million", "HKD", 300e6),
    ("S$5m", "SGD", 5e6),
    ("A$5m", "AUD", 5e6),
    ("AU$ 189", "AUD", 189.0),
    ("C$5m", "CAD", 5e6),
    ("NZ$5m", "NZD", 5e6),
    ("R$5m", "BRL", 5e6),
    ("$ 1.75 billion Canadian dollars", "CAD", 1.75e9),
    ("5 billion Hong Kong dollars", "HKD", 5e9),
    # other currencies
    ("€50m", "EUR", 50e6),
    ("50 million euros", "EUR", 50e6),
    ("EUR 50 million", "EUR", 50e6),
    ("1.06 billion-euro", "EUR", 1.06e9),
    ("£2.5 billion", "GBP", 2.5e9),
    ("2.5 billion pounds", "GBP", 2.5e9),
    ("2.5 billion pounds sterling", "GBP", 2.5e9),
    ("¥10 billion", "JPY", 10e9),
    ("10 billion yen", "JPY", 10e9),
    ("600 million yuan", "CNY", 600e6),
    ("RMB 5 billion", "CNY", 5e9),
    ("5 billion renminbi", "CNY", 5e9),
    ("CNY 5bn", "CNY", 5e9),
    ("5bn CNY", "CNY", 5e9),
    ("Rs 500 crore", "INR", 5e9),
    ("Rs. 500 crore", "INR", 5e9),
    ("₹500 crore", "INR", 5e9),
    ("₹5 lakh", "INR", 5e5),
    ("500 crore rupees", "INR", 5e9),
    ("Rs 1.5 lakh crore", "INR", 1.5e12),
    ("1.2 trillion won", "KRW", 1.2e12),
    ("2,000 won", "KRW", 2000.0),
    ("5 billion Swiss francs", "CHF", 5e9),
    ("61 cents", "USD", 0.61),
]


@pytest.mark.parametrize(("text", "currency", "amount"), POINT)
def test_point_amounts(text: str, currency: str, amount: float) -> None:
    [m] = find_money(text)
    assert (m.text, m.currency, m.qualifier, m.per_share) == (text, currency, "", False)
    assert m.low == pytest.approx(amount) and m.high == pytest.approx(amount)
    assert m.value == pytest.approx(amount)


@pytest.mark.parametrize(
    ("text", "qualifier", "low", "high"),
    [
        ("at least $600 million", "at least", 600e6, None),
        ("more than $1 billion", "more than", 1e9, None),
        ("over $1 billion", "over", 1e9, None),
        ("upwards of $1 billion", "upwards of", 1e9, None),
        ("in excess of €1bn", "in excess of", 1e9, None),
        ("north of $ 150 billion", "north of", 150e9, None),
        ("up to $2 billion", "up to", None, 2e9),
        ("as much as $2 billion", "as much as", None, 2e9),
        ("less than $ 4 billion", "less than", None, 4e9),
        ("no more than $ 250 million", "no more than", None, 250e6),
        ("about $5m", "about", 5e6, 5e6),
        ("About $ 3 Billion", "about", 3e9, 3e9),
        ("around $5m", "around", 5e6, 5e6),
        ("roughly $5m", "roughly", 5e6, 5e6),
        ("nearly $5m", "nearly", 5e6, 5e6),
        ("almost $5m", "almost", 5e6, 5e6),
        ("some $5m", "some", 5e6, 5e6),
        ("approximately $5m", "approximately", 5e6, 5e6),
        ("an estimated $ 88.5 billion", "an estimated", 88.5e9, 88.5e9),
        ("just under $ 7 billion", "just under", 7e9, 7e9),
        ("close  to $9.6 million", "close to", 9.6e6, 9.6e6),
    ],
)
def test_qualifiers(text: str, qualifier: str, low: float | None, high: float | None) -> None:
    [m] = find_money(text)
    assert (m.text, m.qualifier) == (text, qualifier)
    assert (m.low, m.high) == (pytest.approx(low), pytest.approx(high))
    assert m.value == pytest.approx(low if low is not None else high)


@pytest.mark.parametrize(
    ("text", "currency", "low", "high", "qualifier"),
    [
        ("$1-2 billion", "USD", 1e9, 2e9, ""),
        ("$ 3-4bn", "USD", 3e9, 4e9, ""),
        ("$ 1 - 2 billion", "USD", 1e9, 2e9, ""),
        ("$1 billion to $2 billion", "USD", 1e9, 2e9, ""),
        ("$1 billion -- $2 billion", "USD", 1e9, 2e9, ""),
        ("$1 billion–$2 billion", "USD", 1e9, 2e9, ""),
        ("between $1 billion and $2 billion", "USD", 1e9, 2e9, "between"),
        ("between 5 and 10 billion yuan", "CNY", 5e9, 10e9, "between"),
        ("$500 million-$1 billion", "USD", 500e6, 1e9, ""),
        ("$ 3.10 to $ 3.40", "USD", 3.10, 3.40, ""),
        ("1-2 billion euros", "EUR", 1e9, 2e9, ""),
        ("$1-2 billion Canadian dollars", "CAD", 1e9, 2e9, ""),
        ("about $1-2 billion", "USD", 1e9, 2e9, "about"),
    ],
)
def test_ranges(text: str, currency: str, low: float, high: float, qualifier: str) -> None:
    [m] = find_money(text)
    assert (m.text, m.currency, m.qualifier) == (text, currency, qualifier)
    assert (m.low, m.high) == (pytest.approx(low), pytest.approx(high))
    assert m.value == pytest.approx(low)


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("fell from $ 39.1 billion in 4Q16 to $ 33.9 billion in 4Q17", [39.1e9, 33.9e9]),
        ("cut from $30 to $25", [30.0, 25.0]),  # a change, not a range
        ("$30 to $25", [30.0, 25.0]),  # ranges go up
        ("raised its target by $1 to $20", [1.0, 20.0]),
        ("$1 billion and $2 billion", [1e9, 2e9]),  # "and" joins only after "between"
        ("spent $500 million to 2025", [500e6]),
        ("in 2016 - $ 5 billion", [5e9]),
    ],
)
def test_not_ranges(text: str, amounts: list[float]) -> None:
    assert [m.value for m in find_money(text)] == pytest.approx(amounts)
    assert all(m.low == m.high for m in find_money(text))


@pytest.mark.parametrize(
    ("text", "span", "currency"),
    [
        ("in 2017 EUR 50 million", "EUR 50 million", "EUR"),  # the code goes with what follows
        ("Irvine , CA $ 5 million", "$ 5 million", "USD"),  # spaced letters only for US/HK/NZ
        ("Class A $ 5", "$ 5", "USD"),
        ("HK $ 300 million", "HK $ 300 million", "HKD"),
        ("overturn a 1.06 billion-euro fine", "1.06 billion-euro", "EUR"),
    ],
)
def test_currency_attaches_to_its_number(text: str, span: str, currency: str) -> None:
    [m] = find_money(text)
    assert (m.text, m.currency) == (span, currency)


def test_two_currencies_side_by_side() -> None:
    text = "The deal is worth 5 billion yuan ($700 million) in cash."
    yuan, usd = find_money(text)
    assert (yuan.text, yuan.currency, yuan.value) == ("5 billion yuan", "CNY", 5e9)
    assert (usd.text, usd.currency, usd.value) == ("$700 million", "USD", 700e6)
    assert text[usd.start : usd.end] == usd.text


@pytest.mark.parametrize(
    ("text", "currency", "amount"),
    [
        ("$47.08 a share", "USD", 47.08),
        ("$20 per share", "USD", 20.0),
        ("$ 47.08 per share", "USD", 47.08),
        ("$ 7 per shares", "USD", 7.0),
        ("$20/share", "USD", 20.0),
        ("$ 17 Canadian dollars per share", "CAD", 17.0),
        ("61 cents per share", "USD", 0.61),
        ("$5 per ordinary share", "USD", 5.0),
    ],
)
def test_per_share(text: str, currency: str, amount: float) -> None:
    [m] = find_money(text)
    assert (m.text, m.currency, m.per_share) == (text, currency, True)
    assert m.value == pytest.approx(amount)


def test_per_share_range() -> None:
    [m] = find_money("$ 28 - 30 a share")
    assert (m.low, m.high, m.per_share) == (28.0, 30.0, True)


@pytest.mark.parametrize(
    "text",
    [
        "3.1 %",
        "rose 4.76 % to 82.2 %",
        "16,000 employees",
        "2023",
        "the $ sign",
        "600 million users",
        "Series B",
        "a Series B round",
        "4Q16",
        "in 2017 won the award",
        "billions of dollars",
        "Class A $hares",
        "",
    ],
)
def test_not_money(text: str) -> None:
    assert find_money(text) == []
    assert parse_money(text) is None


def test_m_b_k_need_a_word_boundary() -> None:
    [m] = find_money("it costs $5 more")
    assert (m.text, m.value) == ("$5", 5.0)
    [m] = find_money("$ 3B in Bonds")
    assert (m.text, m.value) == ("$ 3B", 3e9)
    [m] = find_money("$5 bonds")
    assert (m.text, m.value) == ("$5", 5.0)
    [m] = find_money("$5m.")
    assert (m.text, m.value) == ("$5m", 5e6)


def test_offsets_index_the_sentence() -> None:
    text = "AAL shares rose 4.76 % to $ 47.08 at the close , at least $ 1 bn ."
    found = find_money(text)
    assert [m.text for m in found] == ["$ 47.08", "at least $ 1 bn"]
    for m in found:
        assert text[m.start : m.end] == m.text
    assert found[0].end <= found[1].start


def test_parse_money_returns_the_first() -> None:
    m = parse_money("Ford said it was investing $ 1 billion in Argo AI , not $ 2 billion .")
    assert m == Money(
        start=27,
        end=38,
        text="$ 1 billion",
        currency="USD",
        low=1e9,
        high=1e9,
        qualifier="",
        per_share=False,
    )


def test_to_usd() -> None:
    assert to_usd(5e9, "USD") == 5e9
    assert to_usd(1.0, "XYZ") is None
    eur = to_usd(100.0, "EUR", dt.date(2014, 3, 28))
    assert eur == pytest.approx(137.5, abs=0.1)  # the ECB rate that day: 1.3759
    assert to_usd(100.0, "EUR") is not None  # the latest rate
    # A Saturday has no rate; a day before the data starts takes its first rate.
    assert to_usd(100.0, "EUR", dt.date(2014, 3, 29)) == pytest.approx(137.5, abs=0.5)
    assert to_usd(100.0, "EUR", dt.date(1950, 1, 1)) == pytest.approx(
        to_usd(100.0, "EUR", dt.date(1999, 1, 4))
    )
    assert to_usd(1.0, "CNY", dt.date(2017, 6, 1)) == pytest.approx(0.147, abs=0.005)


def test_same_amount() -> None:
    a = parse_money("$ 1.6 billion")
    b = parse_money("about US$1.61bn")
    c = parse_money("1.6 billion euros")
    d = parse_money("$1.7 billion")
    assert a and b and c and d
    assert same_amount(a, b)
    assert not same_amount(a, c)  # another currency
    assert not same_amount(a, d)
    assert same_amount(a, d, tolerance=0.1)
