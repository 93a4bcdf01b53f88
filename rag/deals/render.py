"""Deals as text: the terminal table, CSV, JSON and one deal in detail with its quotes."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from rag.deals.mentions import Mention
from rag.deals.merge import Deal

COLUMNS = (
    "id",
    "date",
    "type",
    "target",
    "buyers",
    "lead",
    "amount",
    "amount_usd",
    "round",
    "stage",
    "articles",
    "conflicts",
)


def usd(value: float | None) -> str:
    """$600M, $1.2B, $85K: a dollar figure short enough for a table cell."""
    if value is None:
        return ""
    for size, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"${value / size:.3g}{unit}"
    return f"${value:.0f}"


def row(deal: Deal) -> dict[str, object]:
    """The deal's table row (what --csv prints and the chat's Deals tab shows)."""
    return {
        "id": deal.id,
        "date": deal.last_seen or "",
        "type": deal.type,
        "target": deal.target,
        "buyers": "; ".join(deal.buyers),
        "lead": deal.lead or "",
        "amount": deal.amount or "",
        "amount_usd": round(deal.amount_usd) if deal.amount_usd is not None else "",
        "round": deal.round or "",
        "stage": deal.stage,
        "articles": len({m.article_id for m in deal.mentions}),
        "conflicts": ", ".join(c.field for c in deal.conflicts),
    }


def deals_csv(deals: list[Deal]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for deal in deals:
        writer.writerow(row(deal))
    return out.getvalue()


def deals_json(deals: list[Deal], mentions: bool = False) -> str:
    items = []
    for deal in deals:
        item = row(deal)
        item["amount_usd"] = deal.amount_usd
        item["buyers"] = deal.buyers
        item["valuation"] = deal.valuation
        item["share"] = deal.share
        item["first_seen"] = deal.first_seen
        item["year"] = deal.year
        item["conflicts"] = [asdict(c) for c in deal.conflicts]
        if mentions:
            item["mentions"] = [m.to_dict() for m in deal.mentions]
        items.append(item)
    return json.dumps(items, indent=2, ensure_ascii=False)


def _cell(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def deals_table(deals: list[Deal]) -> str:
    """A fixed-width table for the terminal."""
    if not deals:
        return "No deals match. (Deals are extracted at ingest; see `newsrag ingest --help`.)"
    lines = [
        f"{'ID':<10}  {'DATE':<10}  {'TYPE':<13}  {'TARGET':<22}  {'BUYERS / INVESTORS':<28}  "
        f"{'AMOUNT':>8}  {'STAGE':<9}  SRC"
    ]
    for d in deals:
        buyers = ", ".join(f"{b}*" if d.lead and b == d.lead else b for b in d.buyers)
        flag = " !" if d.conflicts else ""
        lines.append(
            f"{d.id:<10}  {d.last_seen or '':<10}  {d.type:<13}  {_cell(d.target, 22):<22}  "
            f"{_cell(buyers, 28):<28}  {usd(d.amount_usd):>8}  {d.stage:<9}  "
            f"{len({m.article_id for m in d.mentions})}{flag}"
        )
    lines.append(f"{len(deals)} deal(s). * lead investor, ! sources disagree (see `deals show`).")
    return "\n".join(lines)


def _as_written(name: str, m: Mention) -> str:
    """A party, with the words that stand for it when the quote does not name it."""
    ref = m.refs.get(name)
    if not ref:
        return name
    if ref.get("lead_in"):  # a line of a list of investors, after the sentence naming the deal
        where = f"“{ref['lead_in']}”, named in: “{ref['context']}”"
        return f"{name} (the deal of the list after {where})"
    said = f"{name} (as “{ref['text']}”"
    return said + (f", named in: “{ref['context']}”)" if ref.get("context") else ")")


def deal_detail(deal: Deal) -> str:
    """One deal with its conflicts and every mention's quote, outlet, date and offsets."""
    lines = [
        f"Deal {deal.id}: {deal.type}, target {deal.target}",
        f"  buyers/investors: {', '.join(deal.buyers) or '(not named)'}"
        + (f" (lead: {deal.lead})" if deal.lead else ""),
        f"  amount: {deal.amount or '(not stated)'}"
        + (f" = {usd(deal.amount_usd)} USD" if deal.amount_usd is not None else ""),
    ]
    if deal.round:
        lines.append(f"  round: {deal.round}")
    if deal.valuation:
        lines.append(f"  valuation: {deal.valuation}")
    if deal.share:
        lines.append(f"  stake size: {deal.share}")
    lines.append(f"  stage: {deal.stage}")
    span = deal.first_seen or "undated"
    if deal.last_seen and deal.last_seen != deal.first_seen:
        span += f" to {deal.last_seen}"
    lines.append(f"  reported: {span}, {len(deal.mentions)} mention(s)")
    if deal.year:
        lines.append(f"  year: {deal.year}, as a source states it")
    for c in deal.conflicts:
        lines.append(f"  CONFLICT on {c.field}:")
        for value, stating in deal.versions(c):
            where = "; ".join(
                f"{m.outlet or m.article_id} {m.published or 'undated'}" for m in stating
            )
            lines.append(f"    {value!s}: {where}")
    for n, m in enumerate(deal.mentions, 1):
        cue = f", cue {m.stage_cue!r}" if m.stage_cue else ""
        lines.append("")
        lines.append(
            f"  [{n}] {m.outlet or 'unknown outlet'}, {m.published or 'undated'}"
            f" (article {m.article_id}, characters {m.start}-{m.end})"
        )
        if m.title:
            lines.append(f"      {m.title}")
        if m.url:
            lines.append(f"      {m.url}")
        lines.append(f"      “{m.sentence}”")
        fields = [f"type {m.type}", f"stage {m.stage}{cue}"]
        if m.target and m.target in m.refs:  # named in another sentence ("the club")
            fields.append("target " + _as_written(m.target, m))
        if m.buyers:
            fields.append("buyers " + ", ".join(_as_written(b, m) for b in m.buyers))
        if m.lead:
            fields.append(f"lead {m.lead}")
        if m.amount:
            fields.append(f"amount {m.amount}")
        if m.event_date:
            fields.append(f"event date {m.event_date}")
        lines.append("      " + "; ".join(fields))
        lines.append("      by: " + ", ".join(f"{k} {v}" for k, v in sorted(m.by.items())))
    return "\n".join(lines)
