"""`newsrag eval`: the evaluation's command, added to `newsrag` by `newsrag.cli`.

The evaluation itself (`eval.runner`, `eval.report`) is imported when the command runs, so that
`newsrag --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rag.cli import USER_ERRORS, load_settings, open_store, print_load_error, settings_options
from rag.config import Settings

if TYPE_CHECKING:
    from eval.questions import Question
    from eval.runner import RunResult


@click.command("eval")
@click.argument("questions_file", metavar="QUESTIONS.jsonl",
                type=click.Path(exists=True, dir_okay=False))  # fmt: skip
@click.option("--corpus", "corpora", multiple=True, metavar="ARTICLES_OR_DIR",
              help="Ingest these articles first (repeatable); an index that already holds "
              "them is reused.")  # fmt: skip
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N questions.")
@click.option("--out", default="eval-out", show_default=True, type=click.Path(file_okay=False),
              help="Folder for results.jsonl, report.json, report.md and metrics.png.")  # fmt: skip
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False), metavar="REPORT.json",
              help="An earlier report.json: print the changes, question by question.")  # fmt: skip
@click.option("--fresh", is_flag=True,
              help="Discard the results in --out instead of resuming from them.")  # fmt: skip
@click.option("--deals", "with_deals", is_flag=True,
              help="Also extract the deals of the --corpus articles (deal questions).")  # fmt: skip
@settings_options(
    "index", "chroma_url", "collection", "embedding_model", "llm", "llm_model", "openai_base_url",
    "openai_model", "top_k", "context_tokens", "read_each", "min_similarity",
    "refusal_threshold",
)  # fmt: skip
def eval_command(
    questions_file: str,
    corpora: tuple[str, ...],
    limit: int | None,
    out: str,
    baseline: str | None,
    fresh: bool,
    with_deals: bool,
    **values: Any,
) -> None:
    """Score answers, citations, refusals and retrieval on a question set.

    QUESTIONS.jsonl holds one question a line (format: eval/README.md). Each is asked through
    the answer chain as of its `as_of` date. --out receives results.jsonl (one record per
    question, written as it goes), report.json, report.md and metrics.png. Run the same
    command again after an interruption and it resumes where it stopped.
    """
    from eval.questions import load_questions
    from eval.report import ReportError, load_report
    from eval.runner import RESULTS, EvalError, check_out, run_eval
    from rag.llms import LLMError

    settings = load_settings(**values)
    path, out_dir = Path(questions_file), Path(out)
    try:
        questions = load_questions(path)[:limit]
        base = load_report(Path(baseline)) if baseline else None
        check_out(out_dir)
    except (ValueError, ReportError, EvalError) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        if corpora:
            _ingest_corpus(corpora, settings, with_deals)
        else:
            open_store(settings)
        result = run_eval(
            questions,
            settings,
            out_dir,
            questions_path=path,
            fresh=fresh,
            echo=lambda line: click.echo(line, err=True),
        )
    except KeyboardInterrupt:
        click.echo(
            f"\ninterrupted: the answers scored so far are kept in {out_dir / RESULTS}; "
            "run the same command to resume.",
            err=True,
        )
        sys.exit(130)
    except (EvalError, LLMError, *USER_ERRORS) as exc:
        raise click.ClickException(str(exc)) from None
    from eval.report import render_diff, render_summary

    report, written = _write_report(questions, result, path, limit, base, out_dir)
    click.echo(render_summary(report))
    if base is not None:
        click.echo(f"\nAgainst the baseline {baseline}:\n{render_diff(report['baseline'])}")
    click.echo(f"\nwrote {', '.join(str(p) for p in [out_dir / RESULTS, *written])}")


def _ingest_corpus(corpora: tuple[str, ...], settings: Settings, with_deals: bool) -> None:
    """Ingest the --corpus inputs (an index that holds them already is left as it is)."""
    from rag.ingest import ingest

    ingested = ingest(
        corpora,
        settings,
        on_error=print_load_error,
        progress=sys.stderr.isatty(),
        deals=with_deals,
    )
    click.echo(f"corpus: {ingested.summary()}", err=True)
    if ingested.deals is not None:
        click.echo(f"corpus: {ingested.deals.summary()}", err=True)
    if ingested.failed:
        raise click.ClickException(
            f"{ingested.failed} corpus input(s) failed to load (see the error lines "
            "above): fix them or leave them out, then run again."
        )


def _write_report(
    questions: list[Question],
    result: RunResult,
    path: Path,
    limit: int | None,
    base: dict[str, Any] | None,
    out_dir: Path,
) -> tuple[dict[str, Any], list[Path]]:
    """Build the report (compared with `base` if given) and write it; return it and its files."""
    from eval.report import build_report, compare, write_report

    report = build_report(
        questions, result.records, result.config, questions_path=path, limit=limit
    )
    if base is not None:
        report["baseline"] = compare(base, report)
    try:
        return report, write_report(report, out_dir)
    except OSError as exc:
        raise click.ClickException(
            f"Cannot write the report to {out_dir} ({exc.strerror or exc}): pass another --out."
        ) from None
