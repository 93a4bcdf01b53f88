"""Refusal curve: precision and recall of "The articles don't say." over the refusal threshold.

Reads the results.jsonl of a `newsrag eval` run made with `--refusal-threshold 0` (every answer
the model gives is kept, and each record carries the evidence `rag.refusal` measured) and
replays today's refusal rule (`rag.refusal.confidence` on that evidence) at each threshold: a
question is refused when the run refused it or its confidence is below the threshold. A
refusal is right on a question the corpus cannot answer. When the model read the sources one
at a time (`evidence["reads"]`), the answer today's rule keeps is the one weighed
(`bench/recheck.py`).

Prints, per threshold, refusal precision and recall (over the unanswerable questions), the
share of answerable questions wrongly refused and the accuracy that remains, and the share of
questions with a right outcome (answered correctly, or unanswerable and declined); marks the
operating point: of the thresholds that turn away at most 8% of the correct answers given at
0 (`MAX_LOST`), the one with the most right outcomes, the lowest on a tie. Accuracy comes
first: declining unanswerable questions and withholding wrong answers is worth a right answer
only at that rate (one in twelve). Then checks that choice by leaving each week out (the
threshold chosen on the other weeks, scored on that one); draws docs/refusal-curve.png;
writes bench/results/refusal.json.

    .venv/bin/python bench/refusal.py eval-out/rtqa/results.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.questions import week_of  # noqa: E402
from rag.answering import predates_window  # noqa: E402
from rag.citations import check  # noqa: E402
from rag.refusal import age_days, decide_refusal  # noqa: E402
from rag.timescope import TimeScope  # noqa: E402
from rag.types import Passage  # noqa: E402

THRESHOLDS = [round(0.01 * i, 3) for i in range(0, 41)]
MAX_LOST = 0.08  # the share of the right answers (at threshold 0) the operating point may lose


def scope_window(scope: dict[str, Any] | None) -> TimeScope | None:
    """The question's time window as a record stores it (`_scope_dict`), or None."""
    if not scope:
        return None
    start, end = (dt.date.fromisoformat(scope[k]) for k in ("start", "end"))
    return TimeScope(
        scope["phrase"], start, end, bool(scope.get("soft")), bool(scope.get("implied"))
    )


def _passage(stored: dict[str, Any]) -> Passage:
    """A passage as results.jsonl stores it (a shown one with its "shown" text, a retrieved
    one with its "rank"), as a `Passage`."""
    return Passage(
        **{
            k: tuple(v) if k == "authors" else v
            for k, v in stored.items()
            if k not in ("shown", "rank")
        }
    )


def record_passages(record: dict[str, Any]) -> list[Passage]:
    """The passages a record's answer was shown, as `Passage`s (as results.jsonl stores them)."""
    return [_passage(p) for p in record["passages"]]


def record_pool(record: dict[str, Any]) -> list[Passage]:
    """The passages retrieved for a record's question (its `retrieved`: the ten `newsrag
    eval` stores, the pool `Answerer` looks in for other articles that back an answer)."""
    return [_passage(p) for p in record.get("retrieved") or []]


def completed(record: dict[str, Any]) -> dict[str, Any]:
    """The record's stored evidence with the measures older runs did not store, taken from the
    record itself: `stale` (its cited sources and the question's window), `age_days` (its
    newest cited source and the question's date), `cited_similarity` and `answer_chars`."""
    answer = record.get("answer") or {}
    evidence = dict(answer.get("evidence") or {})
    if "topic" not in evidence:
        return evidence
    citations = record.get("citations") or []
    raw = answer.get("raw_text")
    if not citations and raw and record.get("passages"):
        # A refused answer is stored without its citations: check it again for them.
        question = answer.get("standalone_question") or record["question"]
        citations = [
            {"number": c.number, "published": c.published}
            for c in check(raw, record_passages(record), question).citations
        ]
    published = [c.get("published") for c in citations]
    if "stale" not in evidence:
        window = scope_window(answer.get("scope"))
        evidence["stale"] = predates_window(published, window) is not None
    if "age_days" not in evidence:
        as_of = dt.date.fromisoformat(record["as_of"]) if record.get("as_of") else None
        evidence["age_days"] = age_days(published, as_of)
    if "cited_similarity" not in evidence:
        passages = record.get("passages") or []
        numbers = [c.get("number") for c in citations]
        evidence["cited_similarity"] = max(
            (float(passages[n - 1].get("similarity") or 0.0) for n in numbers
             if isinstance(n, int) and 1 <= n <= len(passages)),
            default=0.0,
        )  # fmt: skip
    if "answer_chars" not in evidence:
        evidence["answer_chars"] = len(answer.get("raw_text") or answer.get("text") or "")
    return evidence


def _reads(record: dict[str, Any]) -> bool:
    return bool(((record.get("answer") or {}).get("evidence") or {}).get("reads"))


_CHOSEN: dict[int, dict[str, Any]] = {}


def _chosen(record: dict[str, Any]) -> dict[str, Any]:
    """For a record whose model read the sources one at a time (`evidence["reads"]`): the
    answer today's rule keeps (`bench.recheck.decide` at 0), computed once per record."""
    from bench.recheck import decide

    key = id(record)
    if key not in _CHOSEN:
        _CHOSEN[key] = decide(record, 0.0)
    return _CHOSEN[key]


def correct_at(record: dict[str, Any], threshold: float) -> bool:
    """Whether the record's answer is right and kept at `threshold`."""
    right = _chosen(record)["correct"] if _reads(record) else record["scores"]["correct"]
    return bool(right) and not refused_at(record, threshold)


def refused_at(record: dict[str, Any], threshold: float) -> bool:
    """Whether today's refusal rule refuses this record's answer at `threshold`: the run
    refused it without the threshold (the model, the citation check, the answer's kind), or
    `rag.refusal.confidence` on its evidence (`completed`) is below the threshold. A record
    without evidence (refused before the model was asked) keeps the run's outcome."""
    if _reads(record):
        chosen = _chosen(record)
        evidence = chosen.get("evidence")
        return decide_refusal(evidence, threshold) if evidence else bool(chosen["refused"])
    evidence = completed(record)
    if "topic" not in evidence:
        return bool(record["scores"]["refused"])
    evidence.pop("confidence", None)  # weighed again by today's model
    return decide_refusal(evidence, threshold)


def replay(records: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    """The rates (and counts) a run would have had with `threshold`."""
    ok = [r for r in records if not r["scores"]["error"]]
    answerable = [r for r in ok if r["scores"]["answerable"]]
    unanswerable = [r for r in ok if not r["scores"]["answerable"]]

    def refused(r: dict[str, Any]) -> bool:
        return refused_at(r, threshold)

    refusals = [r for r in ok if refused(r)]
    right = [r for r in refusals if not r["scores"]["answerable"]]
    correct = [r for r in answerable if correct_at(r, threshold)]
    correct_all = [r for r in ok if correct_at(r, threshold)]
    return {
        "threshold": threshold,
        "refusals": len(refusals),
        "precision": len(right) / len(refusals) if refusals else 1.0,
        "recall": len(right) / max(1, len(unanswerable)),
        "wrongly_refused": sum(1 for r in answerable if refused(r)) / max(1, len(answerable)),
        "accuracy_answerable": len(correct) / max(1, len(answerable)),
        "accuracy_all": len(correct_all) / max(1, len(ok)),
        "right": (len(correct) + len(right)) / max(1, len(ok)),
        "correct": len(correct),
        "answerable": len(answerable),
        "declined": len(right),
        "unanswerable": len(unanswerable),
    }


def operating_point(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Of the rows (one per threshold, the first at 0) that turn away at most MAX_LOST of the
    correct answers given at 0, the one with the most right outcomes."""
    lost = int(MAX_LOST * rows[0]["correct"])
    keeps = [r for r in rows if r["correct"] >= rows[0]["correct"] - lost]
    return max(keeps, key=lambda r: (r["right"], -r["threshold"]))


def week_out(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Leave one week out: choose the threshold on the other weeks, apply it to that week.

    Question ids start with their week ("20231006_3"). Sums the held-out weeks' outcomes, so
    the figures are those of a threshold that never saw the questions it is scored on.
    """
    weeks = sorted({week_of(r["id"]) for r in records})
    totals = {"correct": 0, "answerable": 0, "declined": 0, "unanswerable": 0, "thresholds": []}
    for week in weeks:
        train = [r for r in records if week_of(r["id"]) != week]
        test = [r for r in records if week_of(r["id"]) == week]
        t = operating_point([replay(train, x) for x in THRESHOLDS])["threshold"]
        row = replay(test, t)
        for key in ("correct", "answerable", "declined", "unanswerable"):
            totals[key] += row[key]
        totals["thresholds"].append(t)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "refusal-curve.png")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "refusal.json")
    args = parser.parse_args()
    records = [json.loads(line) for line in args.results.read_text().splitlines() if line.strip()]
    rows = [replay(records, t) for t in THRESHOLDS]
    best = operating_point(rows)
    print(f"\nRefusal curve, {len(records)} questions ({args.results})\n")
    print(
        "| threshold | refusals | refusal precision | refusal recall (unanswerable declined) "
        "| answerable wrongly refused | accuracy, answerable | accuracy, all | right outcomes |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        mark = " **←**" if r is best else ""
        print(
            f"| {r['threshold']:.3f}{mark} | {r['refusals']} | {r['precision']:.3f} "
            f"| {r['recall']:.3f} | {r['wrongly_refused']:.3f} | {r['accuracy_answerable']:.3f} "
            f"| {r['accuracy_all']:.3f} | {r['right']:.3f} |"
        )
    print(
        f"\noperating point: threshold {best['threshold']:.3f} ({best['right']:.3f} of questions "
        f"answered right or rightly declined; {rows[0]['correct'] - best['correct']} of "
        f"{rows[0]['correct']} correct answers lost)"
    )
    held = week_out(records)
    print(
        f"leave one week out ({len(held['thresholds'])} weeks; thresholds "
        f"{min(held['thresholds']):.3f}-{max(held['thresholds']):.3f}): correct "
        f"{held['correct']}/{held['answerable']}, unanswerable declined "
        f"{held['declined']}/{held['unanswerable']}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, "best": best, "week_out": held}, indent=1))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.plot([r["recall"] for r in rows], [r["precision"] for r in rows], "o-", label="refusal")
    seen: set[tuple[float, float]] = set()
    for r in rows:  # label every 0.1, each distinct point with the lowest threshold giving it
        point = (r["recall"], r["precision"])
        if point not in seen and (round(r["threshold"] * 1000) % 100 == 0 or r is best):
            seen.add(point)
            ax.annotate(f"{r['threshold']:.3f}", point, fontsize=7,
                        textcoords="offset points", xytext=(4, 4))  # fmt: skip
    ax.plot([best["recall"]], [best["precision"]], "r*", markersize=14, label="chosen")
    ax.set_xlabel("recall: unanswerable questions declined")
    ax.set_ylabel("precision: refusals that were right")
    ax.set_title("Refusal precision vs recall over the confidence threshold")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    args.plot.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.plot, dpi=110)


if __name__ == "__main__":
    main()
