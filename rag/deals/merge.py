"""Mentions -> deals: the same target and kind of deal, overlapping parties, close dates.

A deal keeps every mention it was built from. Where its sources disagree on the amount, the
lead investor or the stage, it carries a conflict naming each source's version and date.
A deal retold long after, with the same price ("following his $44 billion acquisition of the
company") or, for a takeover, the same buyer, is still that deal; its stage is the furthest its
sources report it reached.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from rag.deals.lists import list_ref
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
    "com",  # "Amazon.com" is Amazon
    "fc",  # "Chelsea FC" is Chelsea
    "afc",
    "cf",
}
MERGE_VERSION = "10"  # of the rules below: a new one rebuilds deal tables
MERGE_WITHIN = timedelta(days=120)  # mentions further apart are separate deals unless retold
BYSTANDER_SHARE = 4  # a buyer of a takeover named by under 1/4 as many mentions as the top one
AMOUNT_TOLERANCE = 0.1  # amounts closer than this are the same figure rounded differently

# Kinds the model confuses with each other are one family for merging.
FAMILY = {"acquisition": "m&a", "merger": "m&a", "funding round": "money", "stake": "money"}
_STAGE_ORDER = {"rumoured": 0, "announced": 1, "closed": 2, "cancelled": 3}
# Words that say what kind of company a name is ("Airlines"): too common alone to stand for one
# party, and a name's first word followed only by them is that name ("Alaska Airlines").
_GENERIC = {
    "air", "airlines", "airways", "america", "bank", "banks", "brands", "capital",
    "communications", "energy", "entertainment", "equity", "financial", "foods", "fund",
    "global", "international",
    "investments", "labs", "lines", "management", "market", "markets", "media", "motors",
    "partners", "pharmaceuticals", "stores", "systems", "technologies", "us", "ventures",
}  # fmt: skip


def normalise(name: str) -> str:
    """A company name reduced to what identifies it: lower case, no legal form, no punctuation."""
    text = name.lower().replace("&", " and ")
    # "San Francisco-based Virgin America" is Virgin America.
    text = re.sub(r"^(?:[\w.]+\s+){0,2}[\w.]+-(?:based|headquartered)\s+", "", text)
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
    # The year a source gives the deal, before its own ("it bought in 2015"): the earliest.
    year: int | None = None
    # How much of the target a stake holds ("35%"): the newest report of it.
    share: str | None = None

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


def same_party(a: str, b: str) -> bool:
    """Tell whether two normalised names stand for one party: the same; one is the other's
    last word ("musk" and "elon musk", "disney" and "walt disney"); or one is the other's first
    word and the rest only says what kind of company it is ("alaska" and "alaska airlines",
    not "amazon" and "amazon web services")."""
    if a == b:
        return True
    # "alaska air" and "alaska airlines"; "wal mart stores" and "walmart us"
    core_a, core_b = _flat(_core(a)), _flat(_core(b))
    if core_a == core_b and _distinct(core_a):
        return True
    short, long = sorted((a, b), key=len)
    words = long.split()
    return " " not in short and len(words) > 1 and words[-1] == short and _distinct(short)


def _core(name: str) -> str:
    """A normalised name without the words after its first that say what kind of company it
    is: "alaska" for "alaska airlines", "blum" for "blum capital partners"."""
    words = name.split()
    while len(words) > 1 and words[-1] in _GENERIC:
        words.pop()
    return " ".join(words)


def _flat(name: str) -> str:
    """A normalised name written as one word: "Wal-Mart" and "Walmart" are one spelling, and so
    are "Virgin of America" and "Virgin America"."""
    return "".join(w for w in name.split() if w != "of")


def _distinct(word: str) -> bool:
    return len(word) > 2 and word not in _GENERIC


def _parties(m: Mention) -> set[str]:
    return {normalise(b) for b in m.buyers}


def _cluster_parties(cluster: list[Mention]) -> set[str]:
    """The normalised buyers any mention of `cluster` names."""
    return set().union(*(_parties(m) for m in cluster))


def _close(a: float, b: float) -> bool:
    """Tell whether two amounts are one figure rounded differently."""
    return abs(a - b) <= AMOUNT_TOLERANCE * max(a, b)


def _same_price(m: Mention, cluster: list[Mention]) -> bool:
    """Tell whether `m` states the price a mention of `cluster` states."""
    for c in cluster:
        if not (m.amount and c.amount):
            continue
        if m.amount_usd and c.amount_usd:
            if _close(m.amount_usd, c.amount_usd):
                return True
        elif _same_money(m.amount, c.amount):
            return True
    return False


def merge(mentions: Iterable[Mention]) -> list[Deal]:
    """Group mentions into deals, newest deal first."""
    together = bought_together(mentions)
    with_target = [m for m in together if m.target]
    # "Aquesta" and "Aquesta Financial Holdings" are one target; so are "Albertson" and
    # "Albertsons" ("the Kroger-Albertson merger").
    cores = [(m, _core(normalise(m.target or ""))) for m in with_target]
    names = {name for _, name in cores}
    # "Kylie Jenner's cosmetics company" and, a sentence later, "Jenner's beauty portfolio":
    # one article's one-word target is the longer target of that article it ends.
    in_article: dict[str, set[str]] = {}
    for m, name in cores:
        in_article.setdefault(m.article_id, set()).add(name)
    groups: dict[tuple[str, str], list[Mention]] = {}
    for m, name in cores:
        if " " not in name:
            # `same_party`: a one-word name is the last word of the longer one
            longer = [n for n in in_article[m.article_id] if n != name and same_party(name, n)]
            if len(longer) == 1:
                name = longer[0]
        if len(name) >= 3 and name + "s" in names:
            name += "s"
        key = (FAMILY.get(m.type, m.type), _flat(name))
        if key[1]:
            groups.setdefault(key, []).append(m)
    clusters = [(key, c) for key, group in groups.items() for c in _clusters(group)]
    folded = _fold_reversed(clusters)
    _place_untargeted([m for m in together if not m.target and m.buyers], folded)
    deals = [_deal(c) for c in folded]
    deals.sort(key=lambda d: (d.last_seen or "", d.id), reverse=True)
    return deals


# "for $5 million each", "$2 million apiece": a price per target, not one for all of them.
_EACH = re.compile(r"^\s*(?:each|apiece|a piece|per (?:company|team|club|brand|chain))\b", re.I)


def bought_together(mentions: Iterable[Mention]) -> list[Mention]:
    """Join the mentions one sentence gives to each of several targets at one price.

    "The Gap acquired Janie and Jack for $35 million" was read as two deals of $35 million
    each, of "Janie" and of "Jack"; "Children's Place acquired Gymboree and Crazy 8 for $76
    million" paid $76 million for both, not for each. One price for all the targets the
    sentence lists is one deal, whose target is the list as the sentence writes it. Without a
    price ("Zhipu AI and Baichuan AI received funding from Alibaba") or with one for each, the
    targets stay deals of their own.
    """
    out: list[Mention] = []
    groups: dict[tuple[Any, ...], list[Mention]] = {}
    for m in mentions:
        if not (m.target and m.amount) or list_ref(m) is not None:
            out.append(m)
            continue
        key = (m.article_id, m.start, m.end, m.type, m.amount, tuple(sorted(m.buyers)))
        groups.setdefault(key, []).append(m)
    for group in groups.values():
        targets = list(dict.fromkeys(m.target for m in group if m.target))
        at = group[0].sentence.find(group[0].amount or "")
        after = group[0].sentence[at + len(group[0].amount or "") :] if at >= 0 else ""
        if len(targets) < 2 or _EACH.match(after):
            out.extend(group)
            continue
        out.append(replace(group[0], target=joined(targets, group[0].sentence)))
    return out


def joined(names: list[str], sentence: str) -> str:
    """The names as the sentence lists them ("Gymboree and Crazy 8"), else joined with 'and'."""
    spans = sorted((sentence.find(n), n) for n in names)
    if spans[0][0] >= 0:
        first, last = spans[0], spans[-1]
        between = [sentence[a + len(n) : b] for (a, n), (b, _) in zip(spans, spans[1:])]
        if all(re.fullmatch(r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s*)", g) for g in between):
            return sentence[first[0] : last[0] + len(last[1])]
    return " and ".join([", ".join(names[:-1]), names[-1]])


def target_parts(target: str) -> list[str]:
    """A deal's target and each name it lists ("Gymboree and Crazy 8"), so that a search for
    either finds a deal of targets bought together (`bought_together`)."""
    parts = [p for p in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", target) if p]
    return [target, *parts] if len(parts) > 1 else [target]


def _fold_reversed(clusters: list[tuple[tuple[str, str], list[Mention]]]) -> list[list[Mention]]:
    """Fold a deal told the other way round into the same deal told by more sources.

    "something Musk needs following his $44 billion acquisition of the company" read as
    Twitter buying Musk names the two parties of Musk's takeover of Twitter, swapped: when
    another deal of the same kind has the first's buyer as its target and its target among its
    buyers, at the same price or close in time, and more articles tell it (or as many, in more
    sentences: "shares of United common stock ... for each share of Aquesta common stock"
    beside three sentences of United's takeover of Aquesta), the first's mentions are that
    deal's (each keeps its own reading, shown with its quote).
    """

    def articles(c: list[Mention]) -> tuple[int, int]:
        return len({m.article_id for m in c}), len(c)

    folded: set[int] = set()
    by_size = sorted(range(len(clusters)), key=lambda i: articles(clusters[i][1]))
    for i in by_size:
        (family, target), cluster = clusters[i]
        mine = _cluster_parties(cluster)
        for j, ((other_family, other_target), other) in enumerate(clusters):
            if (
                j == i
                or j in folded
                or other_family != family
                or articles(other) <= articles(cluster)
                or not any(same_party(b, other_target) for b in mine)
                or not any(same_party(target, p) for p in _cluster_parties(other))
            ):
                continue
            if any(_same_price(m, other) or _fits_in_time(m, other) for m in cluster):
                other.extend(cluster)
                folded.add(i)
                break
    return [c for i, (_, c) in enumerate(clusters) if i not in folded]


def _place_untargeted(mentions: list[Mention], clusters: list[list[Mention]]) -> None:
    """Put each mention that names no target but a price into the one deal of its type that
    its own article tells with the same buyers: "the $5.6 billion sale to Hilcorp Energy Co."
    beside "Hilcorp announced plans to buy BP's Alaska assets" gives that purchase its price.
    One article's sentences about one buyer's deal of a type are one deal; a mention with no
    such deal, or with several, stays out of the table as before."""
    for m in mentions:
        if not m.amount:
            continue  # it would add nothing but its buyers ("Bigger airlines, higher fares?")
        fits = [
            c
            for c in clusters
            if any(
                x.article_id == m.article_id
                and x.type == m.type
                and all(any(same_party(a, b) for b in _parties(x)) for a in _parties(m))
                for x in c
            )
        ]
        if len(fits) == 1:
            fits[0].append(m)


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
    return _fold_buyerless(clusters)


def _fold_buyerless(clusters: list[list[Mention]]) -> list[list[Mention]]:
    """Join a takeover or merger that no source names a buyer of to the one deal of its
    target that does, unless the years they give are more than two apart (announced in one,
    closed in another) or their prices differ: "James left 21st Century Fox in 2019 when the
    company was sold" is Disney's purchase of Fox, announced in 2017 and retold years later.
    A company is bought once (`_fits`); a target with two such deals, or a round, stays as
    it was."""
    named = [c for c in clusters if _cluster_parties(c)]
    if len(named) != 1 or FAMILY.get(named[0][0].type) != "m&a":
        return clusters
    years = {m.event_year for m in named[0] if m.event_year}
    out = [named[0]]
    for c in clusters:
        if c is named[0]:
            continue
        theirs = {m.event_year for m in c if m.event_year}
        priced = any(m.amount for m in c) and any(m.amount for m in named[0])
        # Every other cluster names no buyer (`named` holds the one that does).
        if (years and theirs and min(abs(a - b) for a in years for b in theirs) > 2) or (
            priced and not any(_same_price(m, named[0]) for m in c)
        ):
            out.append(c)
        else:
            named[0].extend(c)
    return out


def _fits(m: Mention, cluster: list[Mention]) -> bool:
    # A line of a list of investors (`mentions.list_items`) is its investor's own stake.
    listed = any(list_ref(x) is not None for x in (m, *cluster))
    if not listed and any(m.article_id == c.article_id for c in cluster):
        return True  # one article describes one deal per target
    mine = _parties(m)
    theirs = _cluster_parties(cluster)
    shared = any(same_party(a, b) for a in mine for b in theirs)
    if (mine and theirs and not shared) or (listed and not shared):
        return False
    if not _fits_in_time(m, cluster):
        # Far apart: the same deal only when it is retold, with its price or, for a takeover
        # (a company is bought by the same buyer once), its buyer. A round is not: investors
        # come back for the next one.
        return _same_price(m, cluster) or (shared and FAMILY.get(m.type) == "m&a")
    return True


def _fits_in_time(m: Mention, cluster: list[Mention]) -> bool:
    """Tell whether `m` is dated within MERGE_WITHIN of the cluster's latest mention (or either
    is undated)."""
    when = _when(m)
    last = max((d for d in (_when(c) for c in cluster) if d), default=None)
    return not (when and last and abs(when - last) > MERGE_WITHIN)


def _most_common(values: Iterable[str | None]) -> str | None:
    counted = Counter(v for v in values if v)
    return counted.most_common(1)[0][0] if counted else None


def _deal(cluster: list[Mention]) -> Deal:
    # Oldest report first, so that each conflict lists its sources in the order they wrote.
    cluster = sorted(cluster, key=lambda m: (m.published or "", m.article_id, m.start))
    # the oldest mention naming the target (`_place_untargeted` adds some that name none)
    first = next((m for m in cluster if m.target), cluster[0])
    key = f"{FAMILY.get(first.type, first.type)}|{normalise(first.target or '')}|{first.id}"
    buyers: Counter[str] = Counter()
    shown: dict[str, str] = {}
    articles: dict[str, set[str]] = {}  # normalised buyer -> the articles that name it
    for m in cluster:
        for b in m.buyers:
            n = normalise(b)
            buyers[n] += 1
            shown.setdefault(n, b)
            articles.setdefault(n, set()).add(m.article_id)
    # "Musk" and "Elon Musk" are one buyer, shown by the longer name; so are "United" and
    # "United Community Banks" where one article names both (its short name for the bank).
    for n in sorted(buyers, key=len):
        if n not in buyers:
            continue  # joined to a shorter spelling of it
        longer = next(
            (
                o
                for o in buyers
                if len(o) > len(n)
                and (same_party(n, o) or (o.startswith(n + " ") and articles[n] & articles[o]))
            ),
            None,
        )
        if longer:
            keep, drop = longer, n
            if (
                n.split()[0] != longer.split()[0]
                and _flat(_core(n)) == _flat(_core(longer))
                and buyers[n] > buyers[longer]
            ):
                # one name spelled two ways ("Wal-Mart", "Walmart US"): the commoner spelling
                keep, drop = n, longer
            buyers[keep] += buyers.pop(drop)
            articles[keep] |= articles.pop(drop)
    target = _most_common(m.target for m in cluster) or first.target or ""
    # A mention read the other way round (`_fold_reversed`) names the target as a buyer.
    target_key = normalise(target)
    buyers = Counter({n: c for n, c in buyers.items() if not same_party(n, target_key)})
    if FAMILY.get(first.type) == "m&a" and buyers:
        # A bystander one sentence names beside a takeover many report ("the ADL Center said
        # ... following Musk's takeover") is no buyer of it; its mention keeps it. Investors
        # in a round are often listed by one article only, so rounds keep them all.
        top = max(buyers.values())
        buyers = Counter({n: c for n, c in buyers.items() if c * BYSTANDER_SHARE >= top})
    dated = [m.published for m in cluster if m.published]
    with_amount = [m for m in cluster if m.amount]
    # The newest report of the amount: later reports correct earlier ones more often than not.
    amount_from = max(with_amount, key=lambda m: _when(m) or date.min) if with_amount else None
    valuation = _most_common(m.valuation for m in cluster)
    if valuation and amount_from and _same_money(valuation, amount_from.amount or ""):
        valuation = None  # one source's "valued at $44 billion" is another's price: the amount
    return Deal(
        id=hashlib.sha1(key.encode()).hexdigest()[:10],
        type=_most_common(m.type for m in cluster) or first.type,
        target=target,
        buyers=[shown[n] for n, _ in buyers.most_common()],
        lead=_most_common(m.lead for m in cluster),
        amount=amount_from.amount if amount_from else None,
        amount_usd=amount_from.amount_usd if amount_from else None,
        round=_most_common(m.round for m in cluster),
        valuation=valuation,
        stage=_stage(cluster),
        first_seen=min(dated) if dated else None,
        last_seen=max(dated) if dated else None,
        mentions=cluster,
        conflicts=_conflicts(cluster),
        year=min((m.event_year for m in cluster if m.event_year), default=None),
        share=max(
            ((_when(m) or date.min, m.share) for m in cluster if m.share), default=(None, None)
        )[1],
    )


def _stage(cluster: list[Mention]) -> str:
    """The furthest stage the sources report (a deal does not go back from closed to rumoured
    when a later article hedges about it), or cancelled when that is reported no earlier (a
    closed deal: later)."""
    going = [m for m in cluster if m.stage != "cancelled"]
    if not going:
        return "cancelled"
    furthest = max(going, key=lambda m: (_STAGE_ORDER.get(m.stage, 0), _when(m) or date.min))
    reached = _when(furthest) or date.min
    ended = max((_when(m) or date.min for m in cluster if m.stage == "cancelled"), default=None)
    if ended and (ended > reached or (ended == reached and furthest.stage != "closed")):
        return "cancelled"
    return furthest.stage


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
    return _close(va, vb)


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
