"""The library's commands: ingest, search, stats, ask and deals, and what every command shares.

The `newsrag` command is assembled in `newsrag.cli` from these and the commands of the layers
above (`serve` from `ui.cli`, `eval` from `eval.cli`); this module imports neither. The options
for settings (--index, --top-k, ...) are built by `settings_options` from their one declaration
in `rag.config` and resolved flag -> environment variable -> default; `--help` shows each one's
variable. Options of a command alone (--json, --prune, the --as-of/--from/--to/--outlet filters
that ask and search share) are declared with it.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import click

from rag.config import Settings, setting
from rag.corpus import LoadError
from rag.embeddings import MissingModelError, get_embedder
from rag.limits import terminal_safe as _safe
from rag.store import KeywordIndex, StoreError, VectorStore, fingerprint

F = TypeVar("F", bound=Callable[..., Any])
USER_ERRORS = (StoreError, MissingModelError, ValueError)


def settings_options(*names: str) -> Callable[[F], F]:
    """Add one --option per named setting, with its env var, default and help from SETTINGS."""

    def decorate(func: F) -> F:
        for name in reversed(names):
            s = setting(name)
            assert s.flag, f"{name} is declared an environment variable only (rag/config.py)"
            func = click.option(
                s.option,
                name,
                envvar=s.envvar,
                default=s.default,
                type=click.Path(file_okay=False) if name == "index" else s.type,
                show_default=bool(s.default != ""),
                show_envvar=True,
                help=s.help,
            )(func)
        return func

    return decorate


def load_settings(**values: Any) -> Settings:
    """Resolve the settings from a command's option values; a bad env value is a usage error."""
    try:
        return Settings.load(**values)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def print_load_error(err: LoadError) -> None:
    """Print an input that could not be loaded (or a warning about one) on stderr."""
    click.echo(_safe(f"{'warning' if err.warning else 'error'}: {err}"), err=True)


def open_store(settings: Settings) -> VectorStore:
    """Open an existing index for reading, or explain how to create one."""
    if not settings.chroma_url and not (settings.index / "chroma").is_dir():
        raise click.ClickException(
            f"No index at {settings.index}: run `newsrag ingest PATH` first, or pass --index DIR."
        )
    return VectorStore(settings, get_embedder(settings.embedding_model).name)


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="PATH_OR_URL...")
@click.option("--prune", is_flag=True, help="Remove stored articles that are not in the inputs.")
@click.option("-v", "--verbose", is_flag=True, help="Print a line for every batch written.")
@click.option("--follow-links", is_flag=True,
              help="Follow symlinks that lead out of an ingested folder.")  # fmt: skip
@click.option("--no-deals", is_flag=True,
              help="Skip deal extraction (`newsrag deals`): the model reads nothing.")  # fmt: skip
@settings_options(
    "index", "chroma_url", "collection", "embedding_model", "chunk_tokens", "batch_size",
    "fetch_timeout", "llm", "llm_model", "llm_threads",
)  # fmt: skip
def ingest(
    inputs: tuple[str, ...],
    prune: bool,
    verbose: bool,
    follow_links: bool,
    no_deals: bool,
    **values: Any,
) -> None:
    """Add news articles to the index, or bring it up to date.

    PATH_OR_URL is a file, a directory (read recursively), or an http(s):// URL of an article
    or an RSS/Atom feed. Formats: .txt/.md (optional YAML front matter), .json/.jsonl,
    .html/.htm, .xml/.rss/.atom feeds, each optionally gzipped. Unchanged articles are
    skipped; changed ones replace their old version. Exits 1 if any input failed to load.
    """
    from rag.ingest import ingest as run_ingest
    from rag.llms import LLMError

    settings = load_settings(**values)

    def on_batch(n: int, articles: int, chunks: int) -> None:
        if verbose:
            click.echo(f"batch {n}: {articles} articles, {chunks} chunks stored", err=True)

    try:
        report = run_ingest(
            inputs,
            settings,
            prune=prune,
            on_error=print_load_error,
            on_batch=on_batch,
            progress=sys.stderr.isatty(),
            follow_links=follow_links,
            deals=not no_deals,
        )
    except USER_ERRORS as exc:
        raise click.ClickException(str(exc)) from None
    except LLMError as exc:
        raise click.ClickException(
            f"{exc} The articles were stored; rerun to extract their deals, or pass --no-deals."
        ) from None
    click.echo(report.summary())
    if report.deals is not None:
        click.echo(report.deals.summary())
    if report.failed:
        click.echo(f"{report.failed} input(s) failed; see the error lines above.", err=True)
        sys.exit(1)


def filter_options(func: F) -> F:
    """Add --as-of, --from, --to and --outlet, the filters of `ask` and `search`."""
    as_of_help = "Answer as of this date (YYYY-MM-DD): later articles are ignored. Default: today."
    options = [
        click.option("--as-of", "as_of", metavar="DATE", help=as_of_help),
        click.option(
            "--from", "date_from", metavar="DATE", help="Only articles published on or after."
        ),
        click.option(
            "--to", "date_to", metavar="DATE", help="Only articles published on or before."
        ),
        click.option(
            "--outlet",
            "outlets",
            multiple=True,
            help="Only this outlet (repeatable), as stored, e.g. reuters.com.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


FILTER_NAMES = ("as_of", "date_from", "date_to", "outlets")


def pop_filter_values(values: dict[str, Any]) -> dict[str, Any]:
    """Take the values of the `filter_options` out of a command's `values`."""
    return {name: values.pop(name) for name in FILTER_NAMES}


def top_k_options(func: F) -> F:
    """Add --top-k and, hidden, its old name -k/--k (kept so that scripts written for it run)."""
    func = click.option("-k", "--k", "k", type=int, hidden=True)(func)
    return settings_options("top_k")(func)


def settings_with_top_k(values: dict[str, Any]) -> Settings:
    """Resolve the settings of a command with `top_k_options`; --top-k must be at least 1."""
    k = values.pop("k")
    if k is not None:
        values["top_k"] = k
    settings = load_settings(**values)
    if settings.top_k < 1:
        raise click.BadParameter("must be at least 1", param_hint="--top-k")
    return settings


def _filters(
    as_of: str | None, date_from: str | None, date_to: str | None, outlets: tuple[str, ...]
) -> Any:
    """Turn the `filter_options` values into `Filters`; a bad date is a usage error."""
    from rag.retrieval import Filters

    return Filters(
        as_of=_date_option(as_of, "--as-of"),
        date_from=_date_option(date_from, "--from"),
        date_to=_date_option(date_to, "--to"),
        sources=outlets,
    )


@click.command()
@click.argument("query")
@filter_options
@top_k_options
@click.option("--json", "as_json", is_flag=True, help="Print the passages as a JSON list.")
@settings_options("index", "chroma_url", "collection", "embedding_model")
def search(query: str, as_json: bool, **values: Any) -> None:
    """Show the passages `newsrag ask` would answer QUERY from, best first.

    The same hybrid retrieval (dense and keyword, time-aware) as `ask`, with the same filters.
    The score in brackets is the passage's cosine similarity to QUERY.
    """
    from rag.retrieval import Retriever

    narrowing = pop_filter_values(values)
    settings = settings_with_top_k(values)
    filters = _filters(**narrowing)
    try:
        retriever = Retriever(settings, store=open_store(settings))
        passages = retriever.retrieve(query, settings.top_k, filters)
    except USER_ERRORS as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps([p.__dict__ for p in passages], indent=2, ensure_ascii=False))
        return
    if not passages:
        click.echo(
            "No passages found: nothing in the index passes the filters."
            if any(narrowing.values())
            else "No passages found: the index is empty (or holds only articles dated after today)."
        )
        return
    for rank, p in enumerate(passages, 1):
        click.echo(_safe(f"{rank}. [{p.similarity:.3f}] {p.title}"))
        meta = " · ".join(
            [p.source or "unknown outlet", p.published or "date unknown"]
            + ([p.url] if p.url else [])
        )
        click.echo(_safe(f"   {meta}"))
        for para in _safe(p.text).splitlines():
            if para.strip():
                click.echo(textwrap.fill(para, 100, initial_indent="   ", subsequent_indent="   "))
        click.echo()


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@settings_options("index", "chroma_url", "collection", "embedding_model")
def stats(as_json: bool, **values: Any) -> None:
    """Describe what the index holds."""
    settings = load_settings(**values)
    try:
        store = open_store(settings)
        states = store.articles()
        sources = Counter(s.source or "unknown" for s in states.values())
        dates = [s.published for s in states.values() if s.published]
        keyword = KeywordIndex(settings.index / "keyword")
        info: dict[str, Any] = {
            "index": str(settings.index),
            "chroma": store.location,
            "collection": settings.collection,
            "embedding_model": store.model_name,
            "articles": sum(1 for s in states.values() if s.complete),
            "incomplete_articles": sum(1 for s in states.values() if not s.complete),
            "chunks": store.count(),
            "keyword_index_in_step": keyword.fingerprint() == fingerprint(states),
            "oldest": min(dates) if dates else None,
            "newest": max(dates) if dates else None,
            "top_sources": dict(sources.most_common(10)),
        }
    except USER_ERRORS as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    for key, value in info.items():
        if key == "top_sources":
            click.echo("top sources:")
            for src, n in value.items():
                click.echo(_safe(f"  {n:6d}  {src}"))
        else:
            click.echo(f"{key.replace('_', ' ')}: {value}")


def _date_option(value: str | None, name: str) -> Any:
    """Parse a --from/--to/--as-of value; a bad date is a usage error naming the option."""
    from rag.retrieval import parse_date

    try:
        return parse_date(value, name)
    except ValueError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[1], param_hint=name) from None


def print_answer(answer: Any) -> None:
    """Print an answer's numbered sources (title, outlet, date, url) and its checks."""
    from rag.timescope import dated_label

    if answer.refused:
        click.echo(
            f"(nothing in the {len(answer.passages)} passage(s) retrieved as of {answer.as_of} "
            "answers this)",
            err=True,
        )
        return
    for sentence in answer.unsupported:
        click.echo(_safe(f"warning: not backed by the cited source: {sentence}"), err=True)
    if answer.citations:
        click.echo("\nSources:")
    for c in answer.citations:
        dated = dated_label(c.published, answer.as_of, " the question")
        meta = " · ".join([c.source or "outlet unknown", dated])
        click.echo(_safe(f"[{c.number}] {c.title} ({meta})"))
        if c.url:
            click.echo(_safe(f"    {c.url}"))
        click.echo(
            textwrap.fill(
                _safe(f"“{c.quote}”"), 100, initial_indent="    ", subsequent_indent="    "
            )
        )


@click.command()
@click.argument("question")
@filter_options
@top_k_options
@click.option("--json", "as_json", is_flag=True, help="Print the Answer as JSON.")
@settings_options(
    "index", "chroma_url", "collection", "embedding_model", "llm", "llm_model", "openai_base_url",
    "openai_model", "context_tokens", "read_each",
)  # fmt: skip
def ask(question: str, as_json: bool, **values: Any) -> None:
    """Answer QUESTION from the indexed articles, citing them as [n]."""
    from rag.answering import Answerer, QuestionError, validate_question
    from rag.llms import LLMError
    from rag.types import Answer

    narrowing = pop_filter_values(values)
    settings = settings_with_top_k(values)
    filters = _filters(**narrowing)
    stream = not as_json and sys.stdout.isatty()
    answer = None
    raw: list[str] = []
    try:
        validate_question(question)
        open_store(settings)
        answerer = Answerer(settings)
        for item in answerer.stream(question, filters=filters):
            if isinstance(item, Answer):
                answer = item
            elif stream and isinstance(item, str):
                raw.append(item)
                click.echo(_safe(item), nl=False)
    except (QuestionError, LLMError, *USER_ERRORS) as exc:
        if raw:
            click.echo()
        raise click.ClickException(str(exc)) from None
    assert answer is not None
    if as_json:
        click.echo(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return
    if stream:
        click.echo()
        if "".join(raw).strip() != answer.text:
            click.echo(_safe(f"\nChecked answer: {answer.text}"))
    else:
        click.echo(_safe(answer.text))
    print_answer(answer)


@click.group(invoke_without_command=True)
@click.option("--company", metavar="NAME", help="Deals with this company on either side.")
@click.option("--investor", metavar="NAME", help="Deals with this acquirer or investor.")
@click.option("--type", "deal_type", metavar="TYPE",
              help="acquisition, merger, 'funding round' or stake.")  # fmt: skip
@click.option("--stage", metavar="STAGE", help="rumoured, announced, closed or cancelled.")
@click.option("--from", "date_from", metavar="DATE", help="Reported on or after this date.")
@click.option("--to", "date_to", metavar="DATE",
              help="First reported on or before this date; with --from, reported between "
                   "the two.")  # fmt: skip
@click.option("--min-usd", type=float, metavar="AMOUNT",
              help="Only deals of at least this many US dollars (e.g. 1e8).")  # fmt: skip
@click.option("--sort", type=click.Choice(["date", "amount"]), default="date", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), help="Show at most N deals.")
@click.option("--json", "as_json", is_flag=True, help="Print the deals as a JSON list.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the deals as CSV.")
@settings_options("index", "chroma_url", "collection")
@click.pass_context
def deals(
    ctx: click.Context,
    company: str | None,
    investor: str | None,
    deal_type: str | None,
    stage: str | None,
    date_from: str | None,
    date_to: str | None,
    min_usd: float | None,
    sort: str,
    limit: int | None,
    as_json: bool,
    as_csv: bool,
    **values: Any,
) -> None:
    """List the deals found in the ingested news, newest first.

    Deals are extracted at ingest (skip with `newsrag ingest --no-deals`). `newsrag deals show
    ID` prints one deal with the sentence each of its figures came from.
    """
    from rag.deals.query import DealQuery, DealQueryError, find_deals
    from rag.deals.render import deals_csv, deals_json, deals_table

    ctx.ensure_object(dict)
    ctx.obj["values"] = values
    if ctx.invoked_subcommand is not None:
        return
    table = _deal_table(load_settings(**values))
    query = DealQuery(
        company=company,
        investor=investor,
        type=deal_type,
        stage=stage,
        since=_date_option(date_from, "--from"),
        until=_date_option(date_to, "--to"),
        min_usd=min_usd,
        sort=sort,
        limit=limit,
    )
    try:
        found = find_deals(table, query)
    except DealQueryError as exc:
        raise click.BadParameter(str(exc)) from None
    if as_json:
        click.echo(deals_json(found))
    elif as_csv:
        click.echo(deals_csv(found), nl=False)
    else:
        click.echo(_safe(deals_table(found)))


@deals.command("show")
@click.argument("deal_id")
@click.option("--json", "as_json", is_flag=True, help="Print the deal and its mentions as JSON.")
@click.pass_context
def deals_show(ctx: click.Context, deal_id: str, as_json: bool) -> None:
    """Show one deal: its fields, conflicts, and every mention with its quoted sentence."""
    from rag.deals.query import get_deal
    from rag.deals.render import deal_detail, deals_json

    table = _deal_table(load_settings(**ctx.obj["values"]))
    deal = get_deal(table, deal_id)
    if deal is None:
        raise click.ClickException(
            f"No deal with id {deal_id!r}: `newsrag deals` lists the ids (a unique prefix works)."
        )
    click.echo(deals_json([deal], mentions=True) if as_json else _safe(deal_detail(deal)))


def _deal_table(settings: Settings) -> Any:
    """The deal table, brought up to date with the mentions stored in Chroma."""
    from rag.deals.storage import DealStore, DealTable

    store = open_store(settings)
    table = DealTable(settings.index)
    try:
        table.sync(DealStore(store))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    return table


# The commands of this layer, for `newsrag.cli` to add to the `newsrag` group.
COMMANDS: tuple[click.Command, ...] = (ingest, search, stats, ask, deals)
