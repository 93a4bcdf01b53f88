"""Mentions -> deals: the same target and kind of deal, overlapping parties, close dates.

A deal keeps every mention it was built from. Where its sources disagree on the amount, the
lead investor or the stage, it carries a conflict naming each source's version and date.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from rag.deals.mentions import Mention

# Words that name a company's legal form, not the company: "Alibaba Group Holding Ltd" is Alibaba.
SUFFIXES = {
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "plc",
    "group",
    "holding",
    "holdings",
    "ag",
    "sa",
    "se",
    "nv",
    "bv",
    "gmbh",
    "lp",
    "llp",
    "spa",
    "ab",
    "asa",
    "oyj",
    "kk",
}
MERGE_WITHIN = timedelta(days=120)  # mentions further apart are separate deals
AMOUNT_TOLERANCE = 0.1  # amounts closer than this are the same figure rounded differently

# Kinds the model confuses with each other are one family for merging.
_FAMILY = {"acquisition": "m&a", "merger": "m&a", "funding round": "money", "stake": "money"}
_STAGE_ORDER = {"rumoured": 0, "announced": 1, "closed": 2, "cancelled": 3}


def normalise(name: str) -> str:
    """A company name reduced to what identifies it: lower case, no legal form, no punctuation."""
    text = name.lower().replace("&", " and ")
    text = re.sub(r"['’]s\b", "", text)
    text = re.sub(r"[^\w\s]", " ", text)
    words = text.split()
    if words and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in SUFFIXES:
        words.pop()
    return " ".join(words)


@dataclass
class Conflict:
    """Sources that disagree on one field: each version with the mentions that state it."""

    field: str
    versions: list[tuple[str, list[str]]]  # (value, mention ids)


@dataclass
class Deal:
    """One deal, built from one or more mentions."""

    id: str
    type: str
    target: str
    buyers: list[str]
    lead: str | None
    amount: str | None
    amount_usd: float | None
    round: str | None
    valuation: str | None
    stage: str
    first_seen: str | None  # earliest article date, ISO
    last_seen: str | None
    mentions: list[Mention] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def conflicted(self) -> bool:
        return bool(self.conflicts)

    def versions(self, conflict: Conflict) -> list[tuple[str, list[Mention]]]:
        """Each version of a conflicting field with the mentions that state it."""
        by_id = {m.id: m for m in self.mentions}
        return [(value, [by_id[i] for i in ids if i in by_id]) for value, ids in conflict.versions]


def _when(m: Mention) -> date | None:
    raw = m.event_date or m.published
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def _parties(m: Mention) -> set[str]:
    return {normalise(b) for b in m.buyers}


def merge(mentions: Iterable[Mention]) -> list[Deal]:
    """Group mentions into deals, newest deal first."""
    with_target = [m for m in mentions if m.target]
    groups: dict[tuple[str, str], list[Mention]] = {}
    for m in with_target:
        key = (_FAMILY.get(m.type, m.type), normalise(m.target or ""))
        if key[1]:
            groups.setdefault(key, []).append(m)
    deals: list[Deal] = []
    for group in groups.values():
        for cluster in _clusters(group):
            deals.append(_deal(cluster))
    deals.sort(key=lambda d: (d.last_seen or "", d.id), reverse=True)
    return deals


def _clusters(group: list[Mention]) -> list[list[Mention]]:
    """Split one target's mentions into deals: close in time and not naming other buyers."""
    ordered = sorted(group, key=lambda m: (_when(m) or date.min, m.article_id, m.start))
    clusters: list[list[Mention]] = []
    for m in ordered:
        placed = False
        for cluster in reversed(clusters):
            if _fits(m, cluster):
                cluster.append(m)
                placed = True
                break
        if not placed:
            clusters.append([m])
    return clusters


def _fits(m: Mention, cluster: list[Mention]) -> bool:
    if any(m.article_id == c.article_id for c in cluster):
        return True  # one article describes one deal per target
    when = _when(m)
    last = max((d for d in (_when(c) for c in cluster) if d), default=None)
    if when and last and when - last > MERGE_WITHIN:
        return False
    mine = _parties(m)
    theirs = set().union(*(_parties(c) for c in cluster))
    return not mine or not theirs or bool(mine & theirs)


def _most_common(values: Iterable[str | None]) -> str | None:
    counted = Counter(v for v in values if v)
    return counted.most_common(1)[0][0] if counted else None


def _deal(cluster: list[Mention]) -> Deal:
    first = min(cluster, key=lambda m: (m.published or "", m.article_id, m.start))
    key = f"{_FAMILY.get(first.type, first.type)}|{normalise(first.target or '')}|{first.id}"
    buyers: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for m in cluster:
        for b in m.buyers:
            n = normalise(b)
            buyers[n] += 1
            shown.setdefault(n, b)
    dated = [m.published for m in cluster if m.published]
    latest = max(cluster, key=lambda m: (_when(m) or date.min, _STAGE_ORDER.get(m.stage, 0)))
    with_amount = [m for m in cluster if m.amount]
    # The newest report of the amount: later reports correct earlier ones more often than not.
    amount_from = max(with_amount, key=lambda m: _when(m) or date.min) if with_amount else None
    return Deal(
        id=hashlib.sha1(key.encode()).hexdigest()[:10],
        type=_most_common(m.type for m in cluster) or first.type,
        target=_most_common(m.target for m in cluster) or first.target or "",
        buyers=[shown[n] for n, _ in buyers.most_common()],
        lead=_most_common(m.lead for m in cluster),
        amount=amount_from.amount if amount_from else None,
        amount_usd=amount_from.amount_usd if amount_from else None,
        round=_most_common(m.round for m in cluster),
        valuation=_most_common(m.valuation for m in cluster),
        stage=latest.stage,
        first_seen=min(dated) if dated else None,
        last_seen=max(dated) if dated else None,
        mentions=sorted(cluster, key=lambda m: (m.published or "", m.article_id, m.start)),
        conflicts=_conflicts(cluster),
    )


def _conflicts(cluster: list[Mention]) -> list[Conflict]:
    """The fields on which different articles disagree."""
    out = []
    amounts = _versions(cluster, lambda m: m.amount, _same_money)
    if len(amounts) > 1:
        out.append(Conflict("amount", amounts))
    leads = _versions(cluster, lambda m: m.lead, lambda a, b: normalise(a) == normalise(b))
    if len(leads) > 1:
        out.append(Conflict("lead", leads))
    if _stage_disagrees(cluster):
        out.append(Conflict("stage", _versions(cluster, lambda m: m.stage, str.__eq__)))
    return out


def _versions(
    cluster: list[Mention],
    value: Callable[[Mention], str | None],
    same: Callable[[str, str], bool],
) -> list[tuple[str, list[str]]]:
    """Distinct values of one field across the cluster's articles, with the mentions of each."""
    versions: list[tuple[str, list[str]]] = []
    for m in cluster:
        v = value(m)
        if not v:
            continue
        for seen, ids in versions:
            if same(seen, v):
                ids.append(m.id)
                break
        else:
            versions.append((v, [m.id]))
    if len({a for m in cluster for a in [m.article_id] if value(m)}) < 2:
        return versions[:1]  # one article's own sentences are not sources that disagree
    return versions


def _same_money(a: str, b: str) -> bool:
    from rag.deals.money import parse_money

    ma, mb = parse_money(a), parse_money(b)
    if ma is None or mb is None or ma.currency != mb.currency:
        return a == b
    va, vb = ma.value, mb.value
    return abs(va - vb) <= AMOUNT_TOLERANCE * max(va, vb)


def _stage_disagrees(cluster: list[Mention]) -> bool:
    """Sources disagree when a later report gives an earlier stage (closed, then only rumoured)."""
    dated = [(d, m) for m in cluster if (d := _when(m))]
    furthest = -1
    for _, m in sorted(dated, key=lambda dm: (dm[0], _STAGE_ORDER.get(dm[1].stage, 0))):
        rank = _STAGE_ORDER.get(m.stage, 0)
        if rank < furthest:
            return True
        furthest = max(furthest, rank)
    return False
