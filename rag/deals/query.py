"""Filter and sort the deal table: by company, investor, type, stage, dates and size."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from rag.deals.mentions import DEAL_TYPES, STAGES, Mention
from rag.deals.merge import Conflict, Deal, normalise
from rag.deals.storage import DealTable

SORTS = ("date", "amount")


class DealQueryError(ValueError):
    """A filter value that cannot be used, named with the flag it came from."""


@dataclass
class DealQuery:
    """What to look for; every field is optional."""

    company: str | None = None  # as target or as a buyer/investor
    investor: str | None = None  # as a buyer/investor only
    type: str | None = None
    stage: str | None = None
    # Reported between these dates: a source of the deal dated on or after `since` and on or
    # before `until` (undated sources count as either).
    since: date | None = None
    until: date | None = None
    min_usd: float | None = None
    sort: str = "date"
    limit: int | None = None

    def check(self) -> None:
        if self.type and self.type not in DEAL_TYPES:
            raise DealQueryError(
                f"--type {self.type!r}: choose one of {', '.join(repr(t) for t in DEAL_TYPES)}."
            )
        if self.stage and self.stage not in STAGES:
            raise DealQueryError(f"--stage {self.stage!r}: choose one of {', '.join(STAGES)}.")
        if self.since and self.until and self.since > self.until:
            raise DealQueryError(
                f"--from {self.since.isoformat()} is after --to {self.until.isoformat()}: "
                "no day is in that period."
            )
        if self.sort not in SORTS:
            raise DealQueryError(f"--sort {self.sort!r}: choose one of {', '.join(SORTS)}.")


def deal_from_json(text: str) -> Deal:
    data = json.loads(text)
    mentions = [Mention.from_dict(m) for m in data.pop("mentions")]
    conflicts = [
        Conflict(c["field"], [(v, list(ids)) for v, ids in c["versions"]])
        for c in data.pop("conflicts")
    ]
    return Deal(**data, mentions=mentions, conflicts=conflicts)


def find_deals(table: DealTable, query: DealQuery) -> list[Deal]:
    """The deals matching `query`, newest (or largest) first."""
    query.check()
    if not table.path.exists():
        return []
    where: list[str] = []
    args: list[object] = []
    for column, name in (("parties", query.company), ("buyer_keys", query.investor)):
        if name:
            # A name matches a party it begins ("Alibaba": "Alibaba Group") or a word of it
            # begins ("Penney": "J.C. Penney"; "Musk": "Elon Musk").
            key = normalise(name)
            where.append(f"({column} LIKE ? OR {column} LIKE ?)")
            args += [f"%|{key}%", f"% {key}%"]
    if query.type:
        where.append("type = ?")
        args.append(query.type)
    if query.stage:
        where.append("stage = ?")
        args.append(query.stage)
    if query.since:
        where.append("last_seen >= ?")
        args.append(query.since.isoformat())
    if query.until:
        where.append("(first_seen IS NULL OR first_seen <= ?)")  # undated: can't be later
        args.append(query.until.isoformat())
    if query.min_usd is not None:
        where.append("amount_usd >= ?")
        args.append(query.min_usd)
    order = (
        "amount_usd IS NULL, amount_usd DESC, last_seen DESC"
        if query.sort == "amount"
        else "last_seen IS NULL, last_seen DESC, amount_usd DESC"
    )
    sql = "SELECT data FROM deals"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {order}, id"
    # With both ends of a period, the first and last reports bracketing it are not enough
    # (JetBlue-Spirit, told in November 2022 and December 2023, was not news in November
    # 2023): a source must fall inside it, which the rows' columns do not tell, so the limit
    # is applied after that test.
    between = query.since is not None and query.until is not None
    if query.limit and not between:
        sql += f" LIMIT {int(query.limit)}"
    with table.connect() as db:
        deals = [deal_from_json(row[0]) for row in db.execute(sql, args)]
    if between:
        deals = [d for d in deals if reported_between(d, query.since, query.until)]
        deals = deals[: query.limit] if query.limit else deals
    return deals


def reported_between(deal: Deal, since: date | None, until: date | None) -> bool:
    """Tell whether one of the deal's sources is dated within [since, until] (an undated one
    is, since nothing places it outside)."""
    return any(dated_within(m.published, since, until) for m in deal.mentions)


def dated_within(published: str | None, since: date | None, until: date | None) -> bool:
    """Tell whether an ISO date lies within [since, until] (an open end holds any; no date
    lies anywhere)."""
    if not published:
        return True
    day = published[:10]
    return (since is None or day >= since.isoformat()) and (
        until is None or day <= until.isoformat()
    )


def get_deal(table: DealTable, deal_id: str) -> Deal | None:
    """One deal by id (or by a unique prefix of it)."""
    if not table.path.exists():
        return None
    with table.connect() as db:
        rows = db.execute(
            "SELECT data FROM deals WHERE id LIKE ? LIMIT 2", (deal_id.strip() + "%",)
        ).fetchall()
    return deal_from_json(rows[0][0]) if len(rows) == 1 else None
