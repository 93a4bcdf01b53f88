"""Recheck stored answers: today's citation check and refusal rule on the raw answers of a run.

Reads the results.jsonl files of `newsrag eval` runs made with `--refusal-threshold 0` (each
record keeps the model's raw answer, the passages it was shown and the token probabilities)
and decides each answer again, without the model: `rag.citations.check` (with the question)
then `rag.refusal` at `--threshold`. Prints the run as it was decided and as it is decided
now, with the same measures as `newsrag eval` (answerable right, wrongly refused, unanswerable
declined, answers whose cited passages hold the gold) and their spread over the weeks, and
lists every question whose outcome changed. A change to the check or the rule is measured in
seconds this way, on the same answers.

    .venv/bin/python bench/recheck.py eval-out/rtqa/results.jsonl [more results.jsonl ...]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.refusal import record_passages, record_pool, refused_at, scope_window  # noqa: E402
from eval.metrics import answer_correct, gold_in_citations  # noqa: E402
from eval.questions import week_of  # noqa: E402
from rag.answering import predates_window  # noqa: E402
from rag.citations import check  # noqa: E402
from rag.refusal import (  # noqa: E402
    DEFAULT_THRESHOLD,
    best_read,
    cross_check,
    decide_refusal,
    gather_evidence,
)
from rag.timescope import named_start  # noqa: E402


def decide(record: dict[str, Any], threshold: float) -> dict[str, Any]:
    """The record's outcome as today's check and rule decide it: refused, correct, and
    whether a cited passage holds the gold. Records without a raw answer (refused before
    the model was called) keep their own outcome. When the model read the sources one at a
    time (`evidence["reads"]`), each source's answer is judged and the one
    `rag.refusal.best_read` keeps is decided."""
    if (record["answer"].get("evidence") or {}).get("reads"):
        outcomes = read_outcomes(record)
        chosen = outcomes[best_read([o["evidence"] for o in outcomes])]
        refused = decide_refusal(chosen["evidence"], threshold)
        return {
            **chosen,
            "refused": refused,
            "correct": chosen["correct"] and not refused,
            "cited_gold": None if refused else chosen["cited_gold"],
        }
    answer = record["answer"]
    gold = record["gold"]
    golds = gold.get("answers") or []
    raw = answer.get("raw_text")
    if raw is None or "topic" not in (answer.get("evidence") or {}):
        return {"refused": bool(answer["refused"]), "correct": False, "cited_gold": None}
    passages = record_passages(record)
    shown = [p["shown"] for p in record["passages"]]
    question = answer.get("standalone_question") or record["question"]
    checked = check(raw, passages, question)
    published = [c.published for c in checked.citations]
    scope = scope_window(answer.get("scope"))
    stale = predates_window(published, scope)
    evidence = gather_evidence(
        question,
        raw,
        checked,
        passages,
        shown,
        answer["evidence"].get("tokens"),
        stale=stale is not None,
        as_of=dt.date.fromisoformat(record["as_of"]) if record.get("as_of") else None,
        alone=bool(answer["evidence"].get("alone")),
        pool=record_pool(record),
        read=answer["evidence"].get("read"),
        since=named_start(scope),
    )
    refused = decide_refusal(evidence, threshold)
    cited = [{"number": c.number} for c in checked.citations]
    return {
        "refused": refused,
        "correct": not refused and answer_correct(checked.text, golds, gold.get("choices") or ()),
        "cited_gold": None if refused or not golds else gold_in_citations(
            cited, record["passages"], golds
        ),
        "text": checked.text,
        "evidence": evidence,
    }  # fmt: skip


def read_outcomes(record: dict[str, Any]) -> list[dict[str, Any]]:
    """For a record whose model read the sources one at a time (`evidence["reads"]`): each
    source's answer decided by today's check at threshold 0, its evidence weighed against the
    other answers (`rag.refusal.cross_check`) as the product does."""
    reads = record["answer"]["evidence"]["reads"]
    outcomes = [decide(with_answer(record, read), 0.0) for read in reads]
    articles = [record["passages"][read["number"] - 1]["article_id"] for read in reads]
    question = record["answer"].get("standalone_question") or record["question"]
    answers = [read["text"] for read in reads]
    cross_check(question, answers, articles, [o["evidence"] for o in outcomes])
    return outcomes


def with_answer(record: dict[str, Any], read: dict[str, Any]) -> dict[str, Any]:
    """A copy of the record whose answer is one source's answer (`evidence["reads"]`)."""
    out = copy.deepcopy(record)
    out["answer"]["raw_text"] = read["text"]
    out["answer"]["evidence"]["tokens"] = read.get("tokens")
    out["answer"]["evidence"].pop("reads")
    out["answer"]["evidence"]["alone"] = True
    out["answer"]["evidence"]["read"] = read["number"]
    return out


def as_run(record: dict[str, Any], threshold: float) -> dict[str, Any]:
    """The record's outcome as its run decided it, replayed at `threshold` with the run's own
    check (`bench/refusal.py`'s `refused_at`)."""
    scores = record["scores"]
    refused = refused_at(record, threshold)
    return {
        "refused": refused,
        "correct": bool(scores["correct"]) and not refused,
        "cited_gold": None if refused else scores.get("gold_cited"),
    }


def read_records(paths: list[Path]) -> list[dict[str, Any]]:
    """The records of `newsrag eval` results.jsonl files, in order, but those that failed."""
    records = [
        json.loads(line) for path in paths for line in path.read_text().splitlines() if line.strip()
    ]
    return [r for r in records if not r.get("error")]


def measures(records: list[dict[str, Any]], outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [o for r, o in zip(records, outcomes) if r["gold"]["answerable"]]
    unanswerable = [o for r, o in zip(records, outcomes) if not r["gold"]["answerable"]]
    cited = [o["cited_gold"] for o in answerable if o["cited_gold"] is not None]
    weeks: dict[str, list[bool]] = {}
    for r, o in zip(records, outcomes):
        if r["gold"]["answerable"]:
            weeks.setdefault(week_of(r["id"]), []).append(o["correct"])
    per_week = sorted(sum(w) / len(w) for w in weeks.values())
    return {
        "right": sum(o["correct"] for o in answerable),
        "answerable": len(answerable),
        "refused": sum(o["refused"] for o in answerable),
        "declined": sum(o["refused"] for o in unanswerable),
        "unanswerable": len(unanswerable),
        "cited_gold": sum(cited),
        "answered": len(cited),
        "week": (per_week[0], statistics.median(per_week), per_week[-1]) if per_week else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, nargs="+")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    args = parser.parse_args()
    records = read_records(args.results)
    before = [as_run(r, args.threshold) for r in records]
    after = [decide(r, args.threshold) for r in records]
    rows = [("as the run decided", measures(records, before)), ("today", measures(records, after))]
    print(f"\nRecheck of {len(records)} answers at threshold {args.threshold}\n")
    print(
        "| decided | answerable right | wrongly refused | unanswerable declined "
        "| cited passages hold the gold | answerable right per week min / median / max |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, m in rows:
        n, u = max(1, m["answerable"]), max(1, m["unanswerable"])
        week = " / ".join(f"{x:.2f}" for x in m["week"]) if m["week"] else "-"
        print(
            f"| {name} | {m['right']}/{m['answerable']} = {m['right'] / n:.3f} "
            f"| {m['refused'] / n:.3f} | {m['declined']}/{m['unanswerable']} = "
            f"{m['declined'] / u:.3f} | {m['cited_gold']}/{m['answered']} | {week} |"
        )
    changed = [(r, b, a) for r, b, a in zip(records, before, after) if b["refused"] != a["refused"]]
    if changed:
        print("\nOutcomes that changed:\n")
    for r, b, a in changed:
        kind = "answerable" if r["gold"]["answerable"] else "unanswerable"
        verdict = "refused" if a["refused"] else ("right" if a["correct"] else "wrong")
        print(
            f"- {r['id']} ({kind}): {'answered' if b['refused'] else 'refused'} now, {verdict}: "
            f"{a.get('text', '')[:100]}"
        )


if __name__ == "__main__":
    main()
