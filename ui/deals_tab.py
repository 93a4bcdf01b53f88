"""The Deals tab: the deal table with filters, a chart of amounts over time, and one deal's
mentions with each quoted sentence highlighted in its article.

All text from articles is escaped (`ui.render.esc`): article text is never rendered as HTML.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from rag.deals.mentions import DEAL_TYPES, STAGES, Mention
from rag.deals.merge import Deal
from rag.deals.query import DealQuery, DealQueryError, find_deals, get_deal
from rag.deals.render import row, usd
from rag.deals.storage import DealStore, DealTable
from rag.retrieval import parse_date
from rag.store import StoreError, VectorStore
from ui.render import esc, link

HEADERS = [
    "id",
    "date",
    "type",
    "target",
    "buyers",
    "amount",
    "USD",
    "stage",
    "sources",
    "conflicts",
]
EMPTY_DETAIL = '<p class="nr-muted">Click a deal to see the sentences it was read from.</p>'
CONTEXT_CHARS = 400  # article text shown on each side of a quoted sentence


class DealsView:
    """What the tab shows, read from the deal table of one index."""

    def __init__(self, store: VectorStore) -> None:
        self.store = store
        self.table = DealTable(store.settings.index)

    def sync(self) -> None:
        # On a store failure the table stays as last built; the status line reports the store.
        with contextlib.suppress(StoreError):
            self.table.sync(DealStore(self.store))

    def deals(
        self,
        company: str = "",
        investor: str = "",
        kind: str = "",
        stage: str = "",
        date_from: str = "",
        date_to: str = "",
        min_usd: float | None = None,
        sort: str = "date",
    ) -> list[Deal]:
        """The deals matching the tab's filters (ValueError names a bad one)."""
        query = DealQuery(
            company=company.strip() or None,
            investor=investor.strip() or None,
            type=kind or None,
            stage=stage or None,
            since=_day(date_from, "From"),
            until=_day(date_to, "To"),
            min_usd=min_usd or None,
            sort=sort or "date",
        )
        try:
            return find_deals(self.table, query)
        except DealQueryError as exc:
            raise ValueError(str(exc)) from None

    def rows(self, deals: list[Deal]) -> list[list[Any]]:
        out = []
        for d in deals:
            r = row(d)
            out.append(
                [
                    r["id"],
                    r["date"],
                    r["type"],
                    r["target"],
                    r["buyers"],
                    r["amount"],
                    usd(d.amount_usd),
                    r["stage"],
                    r["articles"],
                    r["conflicts"],
                ]
            )
        return out

    def chart(self, deals: list[Deal]) -> Any:
        """Deal amounts in USD over time, one point per deal with a date and an amount."""
        import pandas as pd

        points = [
            {
                "date": pd.Timestamp(d.last_seen[:10]),
                "usd_millions": round(d.amount_usd / 1e6, 1),
                "type": d.type,
                "deal": f"{d.target} ({d.id})",
            }
            for d in deals
            if d.last_seen and d.amount_usd is not None
        ]
        return pd.DataFrame(points, columns=["date", "usd_millions", "type", "deal"])

    def detail_html(self, deal_id: str) -> str:
        deal = get_deal(self.table, deal_id)
        if deal is None:
            return EMPTY_DETAIL
        return deal_html(deal, self._contexts(deal.mentions))

    def _contexts(self, mentions: list[Mention]) -> dict[str, str]:
        """Mention id -> its sentence highlighted in the surrounding article text (HTML)."""
        out = {}
        for m in mentions:
            try:
                text = self._article_text(m)
            except StoreError:
                text = None
            out[m.id] = highlight(text, m) if text else f"<mark>{esc(m.sentence)}</mark>"
        return out

    def _article_text(self, m: Mention) -> str | None:
        """The stored text around the mention's sentence, from the chunks that hold it."""
        with self.store._guard("reading an article"):
            got = self.store.collection.get(
                where={"article_id": m.article_id}, include=["metadatas", "documents"]
            )
        pieces = sorted(
            (int(meta.get("start", 0)), str(meta.get("text") or doc or ""))
            for doc, meta in zip(got["documents"] or [], got["metadatas"] or [])
        )
        for _, text in pieces:
            if m.sentence in text:
                return text
        return None


def highlight(text: str, m: Mention) -> str:
    """`text` escaped, with the mention's sentence in <mark> and long ends cut."""
    at = text.find(m.sentence)
    if at < 0:
        return f"<mark>{esc(m.sentence)}</mark>"
    before = text[max(0, at - CONTEXT_CHARS) : at]
    after = text[at + len(m.sentence) : at + len(m.sentence) + CONTEXT_CHARS]
    lead = "…" if at > CONTEXT_CHARS else ""
    tail = "…" if at + len(m.sentence) + CONTEXT_CHARS < len(text) else ""
    return f"{lead}{esc(before)}<mark>{esc(m.sentence)}</mark>{esc(after)}{tail}"


def deal_html(deal: Deal, contexts: dict[str, str]) -> str:
    """One deal: its fields, conflicts, and each mention quoted in its article."""
    reported = " to ".join(sorted({deal.first_seen or "undated", deal.last_seen or "undated"}))
    amount = deal.amount or "not stated"
    if deal.amount_usd is not None:
        amount += f" = {usd(deal.amount_usd)}"
    fields = [
        ("Type", deal.type),
        ("Target", deal.target),
        ("Buyers / investors", ", ".join(deal.buyers) or "not named"),
        ("Lead", deal.lead or ""),
        ("Amount", amount),
        ("Round", deal.round or ""),
        ("Valuation", deal.valuation or ""),
        ("Stake size", deal.share or ""),
        ("Stage", deal.stage),
        ("Reported", reported),
        ("Year, as a source states it", str(deal.year) if deal.year else ""),
    ]
    parts = [f'<div class="nr-deal" id="nr-deal-{esc(deal.id)}">']
    parts.append(f"<h3>{esc(deal.target)}: {esc(deal.type)}</h3><dl>")
    for name, value in fields:
        if value:
            parts.append(f"<dt>{esc(name)}</dt><dd>{esc(value)}</dd>")
    parts.append("</dl>")
    for c in deal.conflicts:
        parts.append(f'<div class="nr-conflict"><b>Sources disagree on the {esc(c.field)}:</b><ul>')
        for value, stating in deal.versions(c):
            where = "; ".join(
                f"{m.outlet or 'unknown outlet'}, {m.published or 'undated'}" for m in stating
            )
            parts.append(f"<li>{esc(value)} ({esc(where)})</li>")
        parts.append("</ul></div>")
    for n, m in enumerate(deal.mentions, 1):
        title = link(m.url, m.title or m.article_id)
        meta = f"{m.outlet or 'unknown outlet'} · {m.published or 'undated'}"
        read = ", ".join(f"{k} by {v}" for k, v in sorted(m.by.items()))
        parts.append(
            f'<div class="nr-mention" data-mention="{esc(m.id)}">'
            f"<p><b>[{n}]</b> {title} <span class='nr-muted'>{esc(meta)}</span></p>"
            f'<p class="nr-quote">{contexts.get(m.id, esc(m.sentence))}</p>'
            + "".join(
                # "it", "the club": the party the words stand for, and where it is named
                (
                    f"<p class='nr-muted'>{esc(name)}: the deal of the list after "
                    f"“{esc(ref['lead_in'])}”, named in “{esc(ref.get('context', ''))}”</p>"
                    if ref.get("lead_in")
                    else f"<p class='nr-muted'>{esc(name)}: “{esc(ref.get('text', ''))}” here"
                    + (f", named in “{esc(ref['context'])}”" if ref.get("context") else "")
                    + "</p>"
                )
                for name, ref in m.refs.items()
            )
            + f"<p class='nr-muted'>stage {esc(m.stage)}"
            + (f" (cue “{esc(m.stage_cue)}”)" if m.stage_cue else "")
            + f"; characters {m.start}–{m.end}; {esc(read)}</p></div>"
        )
    parts.append("</div>")
    return "".join(parts)


def _day(value: str, label: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        raise ValueError(f"{label}: {value!r} is not a date (YYYY-MM-DD).") from None


def build_deals_tab(gr: Any, view: DealsView) -> Any:
    """Lay out the tab inside the current `gr.Tab` and wire its events."""
    with gr.Row():
        company = gr.Textbox(label="Company (either side)", elem_id="nr-deal-company")
        investor = gr.Textbox(label="Buyer / investor", elem_id="nr-deal-investor")
        kind = gr.Dropdown(["", *DEAL_TYPES], value="", label="Type", elem_id="nr-deal-type")
        stage = gr.Dropdown(["", *STAGES], value="", label="Stage", elem_id="nr-deal-stage")
    with gr.Row():
        date_from = gr.Textbox(label="From", placeholder="YYYY-MM-DD", elem_id="nr-deal-from")
        date_to = gr.Textbox(label="To", placeholder="YYYY-MM-DD", elem_id="nr-deal-to")
        min_usd = gr.Number(label="Min. USD", value=None, elem_id="nr-deal-min")
        sort = gr.Radio(["date", "amount"], value="date", label="Sort by", elem_id="nr-deal-sort")
        apply = gr.Button("Show deals", variant="primary", elem_id="nr-deal-apply")
    message = gr.HTML(elem_id="nr-deal-message", js_on_load=None)
    table = gr.Dataframe(
        headers=HEADERS,
        value=[],
        interactive=False,
        wrap=True,
        elem_id="nr-deal-table",
        label="Deals (click a row for its sources)",
    )
    chart = gr.ScatterPlot(
        x="date",
        y="usd_millions",
        color="type",
        tooltip=["deal", "usd_millions", "date"],
        title="Deal amounts over time (USD millions)",
        elem_id="nr-deal-chart",
    )
    detail = gr.HTML(EMPTY_DETAIL, elem_id="nr-deal-detail", js_on_load=None)
    inputs = [company, investor, kind, stage, date_from, date_to, min_usd, sort]

    def show(*values: Any) -> tuple[Any, ...]:
        view.sync()
        try:
            deals = view.deals(*values)
        except ValueError as exc:
            return gr.skip(), gr.skip(), f'<p class="nr-error">{esc(exc)}</p>'
        note = f"<p class='nr-muted'>{len(deals)} deal(s).</p>"
        return view.rows(deals), view.chart(deals), note

    def pick(rows: Any, evt: Any = None) -> str:
        index = getattr(evt, "index", None) or [None]
        try:
            deal_id = rows.iloc[index[0], 0] if hasattr(rows, "iloc") else rows[index[0]][0]
        except (TypeError, IndexError, KeyError):
            return EMPTY_DETAIL
        return view.detail_html(str(deal_id))

    def on_select(rows: Any, evt: Any) -> str:
        return pick(rows, evt)

    # Gradio passes the clicked cell to a parameter annotated SelectData; the annotation is
    # set here because `gr` is imported lazily (see ui.app._gradio).
    on_select.__annotations__ = {"rows": Any, "evt": gr.SelectData, "return": str}
    apply.click(show, inputs, [table, chart, message], api_visibility="private")
    table.select(on_select, [table], [detail], api_visibility="private")

    def initial() -> tuple[Any, ...]:
        return show("", "", "", "", "", "", None, "date")

    return initial, [table, chart, message]
