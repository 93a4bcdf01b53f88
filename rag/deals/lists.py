"""Lists of investors: the lines after a lead-in ("Investors in the round include:") that say
who put how much into the deal the article stated just before ("$375 million from Qatar
Holding, a global investment house"). `list_items` reads each line by rule as its investor's
stake in that deal; `is_list_item` tells whether a stored mention still is such a line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rag.deals.filter import MAX_SENTENCE_CHARS, deal_sized
from rag.deals.money import Money, find_money
from rag.deals.names import _same_company, checked_name
from rag.deals.roles import _no_party

if TYPE_CHECKING:  # for the annotations only: `mentions` reads the lists, not the other way
    from rag.deals.mentions import Mention

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
