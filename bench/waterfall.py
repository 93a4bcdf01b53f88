"""Where the right answers are lost: each answerable question of an eval run, stage by stage.

For every answerable question of a `newsrag eval` results.jsonl, the stages an answer must pass,
each a subset of the one before it:

1. the corpus holds the gold answer in an article published by the question's date;
2. ... in one published in the `--days` before it (the week's news, which a news quiz asks about);
3. retrieval put a passage holding it among the top-k (`scores.gold_rank`);
4. the model read a passage holding it (`scores.gold_shown`: on the default path, one of the
   sources read alone);
5. one of the model's answers was right (any read, before the rule chose among them);
6. the answer the rule kept was right (`rag.refusal.best_read`, at threshold 0);
7. it was shown, right (the run's own outcome).

The drop from one stage to the next says which part of the product loses the question: the
corpus (1, 2), retrieval (3), what is shown (4), reading (5), choosing among reads (6) or
refusing (7). Stages 5 and 6 are read off the stored reads, without the model. A question can
be right without passing 1-4 (a gold string that is in no passage, an answer the model knew),
so the rows count the questions that pass every stage up to theirs, with the questions right
outside that chain on a line of their own.

    .venv/bin/python bench/waterfall.py eval-out/rtqa/results.jsonl --index IDX
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.recheck import decide, read_records  # noqa: E402
from eval.metrics import _spans, answer_correct, normalise  # noqa: E402
from eval.questions import week_of  # noqa: E402

STAGES = (
    "gold in an article published by the question's date",
    "... in one published in the days before it",
    "gold in a retrieved passage (top-k)",
    "gold in a passage the model read",
    "one of the model's answers right",
    "the answer kept right (threshold 0)",
    "answered right",
)


def corpus_days(index: Path) -> list[tuple[str, dt.date | None]]:
    """Every stored chunk's normalised text (title included) and publication day."""
    from rag.cli import open_store
    from rag.config import Settings
    from rag.retrieval import published_day

    store = open_store(Settings.load(index=index))
    return [
        (normalise(f"{meta.get('title', '')}\n{text}"), published_day(meta.get("published")))
        for _, text, meta in store.all_chunks()
    ]


def stages(
    record: dict[str, Any], chunks: list[tuple[str, dt.date | None]], days: int
) -> list[bool]:
    """The stages (STAGES) one answerable record passes, each on its own."""
    golds = [g for g in (normalise(g) for g in record["gold"]["answers"]) if g]
    as_of = dt.date.fromisoformat(record["as_of"])
    start = as_of - dt.timedelta(days=days)
    in_corpus = fresh = False
    for text, day in chunks:
        if day is not None and day > as_of:
            continue
        if any(g in text for g in golds) and any(_spans(text, g) for g in golds):
            in_corpus = True
            if day is not None and start <= day:
                fresh = True
                break
    scores = record.get("scores") or {}
    answer = record.get("answer") or {}
    reads = (answer.get("evidence") or {}).get("reads") or []
    choices = record["gold"].get("choices") or ()
    texts = [r["text"] for r in reads] or [answer.get("raw_text") or ""]
    any_right = any(answer_correct(t, record["gold"]["answers"], choices) for t in texts)
    kept = bool(decide(record, 0.0)["correct"])  # False when the model was never asked
    return [
        in_corpus,
        fresh,
        scores.get("gold_rank") is not None,
        bool(scores.get("gold_shown")),
        any_right,
        kept,
        bool(scores.get("correct")),
    ]


def chained(passed: dict[str, list[bool]]) -> dict[str, list[bool]]:
    """Each question's stages as counted: passed, and every stage before it passed too."""
    return {k: [all(v[: i + 1]) for i in range(len(v))] for k, v in passed.items()}


def table(chain: dict[str, list[bool]], weeks: list[list[str]]) -> list[dict[str, Any]]:
    """Per stage: the questions that reach it, those lost there, and the share per week."""
    rows = []
    before = len(chain)
    for i, name in enumerate(STAGES):
        count = sum(c[i] for c in chain.values())
        shares = [sum(chain[q][i] for q in ids) / len(ids) for ids in weeks if ids]
        spread = (min(shares), statistics.median(shares), max(shares)) if shares else (0, 0, 0)
        rows.append({"stage": name, "questions": count, "lost": before - count, "week": spread})
        before = count
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, nargs="+", help="results.jsonl of newsrag eval")
    parser.add_argument("--index", type=Path, required=True, help="the index the run used")
    parser.add_argument("--days", type=int, default=10, help="how fresh the news must be")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "waterfall.json")
    args = parser.parse_args()

    import click

    records = [r for r in read_records(args.results) if r["gold"].get("answerable")]
    try:
        chunks = corpus_days(args.index)
    except click.ClickException as exc:
        sys.exit(exc.format_message())
    passed = {str(r["id"]): stages(r, chunks, args.days) for r in records}
    n = len(records)
    chain = chained(passed)
    weeks: dict[str, list[str]] = defaultdict(list)
    for r in records:
        weeks[week_of(r["id"])].append(str(r["id"]))
    print(f"\nWhere the right answers are lost: {n} answerable questions, {len(weeks)} weeks, "
          f"fresh = the {args.days} days before the question\n")  # fmt: skip
    print("| stage | questions | share | lost at this stage | per week min / median / max |")
    print("|---|---:|---:|---:|---:|")
    rows = table(chain, list(weeks.values()))
    for i, row in enumerate(rows):
        share = row["questions"] / max(1, n)
        print(f"| {i + 1}. {row['stage']} | {row['questions']} | {share:.3f} | {row['lost']} "
              f"| {' / '.join(f'{x:.2f}' for x in row['week'])} |")  # fmt: skip
    outside = sum(v[-1] and not c[-1] for v, c in zip(passed.values(), chain.values()))
    print(f"\nRight outside the chain (an earlier stage not passed): {outside}; right in all: "
          f"{sum(v[-1] for v in passed.values())}/{n}")  # fmt: skip
    shown = [v for v in passed.values() if v[3]]
    print(f"Of the {len(shown)} questions whose gold the model read, one of its answers was "
          f"right in {sum(v[4] for v in shown)}, the kept one in {sum(v[5] for v in shown)}, "
          f"shown right in {sum(v[6] for v in shown)}.")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, "questions": passed}, indent=1))


if __name__ == "__main__":
    main()
