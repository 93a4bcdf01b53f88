"""Spread of an eval run: accuracy and refusals per week and per kind of question.

Reads the results.jsonl of a `newsrag eval` run and prints, for each as-of date and for each
kind of question (with or without a time scope; by question word), how many answerable
questions were answered right, how many were wrongly refused, and how many unanswerable ones
were declined. Totals hide a lot on 20-30 questions a week: this shows how even they are.

    .venv/bin/python bench/spread.py eval-out/rtqa/results.jsonl [--refusal-threshold T]

With --refusal-threshold, a run made at threshold 0 is replayed at T with today's refusal
rule (as bench/refusal.py does): an answer whose support is below T counts as refused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_KINDS = [
    ("how many / how much", re.compile(r"\bhow (many|much)\b|\bwhat (percentage|number)", re.I)),
    ("who", re.compile(r"\bwho(m|se)?\b", re.I)),
    ("which / what + noun", re.compile(r"\b(which|what) [a-z]+", re.I)),
    ("other", re.compile(r"")),
]


def kind(question: str) -> str:
    return next(name for name, pattern in _KINDS if pattern.search(question))


def table(groups: dict[str, list[dict[str, Any]]], title: str) -> list[float]:
    print(f"\n{title}\n")
    print("| group | answerable right | wrongly refused | unanswerable declined |")
    print("|---|---:|---:|---:|")
    rates = []
    for name in sorted(groups):
        scores = groups[name]
        ans = [s for s in scores if s["answerable"]]
        una = [s for s in scores if not s["answerable"]]
        right = sum(1 for s in ans if s["correct"])
        if ans:
            rates.append(right / len(ans))
        print(
            f"| {name} | {right}/{len(ans)} | {sum(1 for s in ans if s['refused'])}/{len(ans)} "
            f"| {sum(1 for s in una if s['refused'])}/{len(una)} |"
        )
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--refusal-threshold", type=float, default=None)
    args = parser.parse_args()
    from bench.refusal import refused_at
    from rag.timescope import time_scope

    records = [json.loads(line) for line in args.results.read_text().splitlines() if line.strip()]
    weeks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    kinds: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        s = dict(r["scores"])
        replay = args.refusal_threshold is not None and not s["refused"]
        if replay and refused_at(r, args.refusal_threshold):
            s.update(refused=True, correct=False)
        as_of = dt.date.fromisoformat(r["as_of"])
        year, week, _ = as_of.isocalendar()
        weeks[f"{year}-W{week:02d}"].append(s)
        scoped = time_scope(r["question"], as_of)
        kinds["time scope: " + ("named" if scoped and not scoped.soft else
                                "soft" if scoped else "none")].append(s)  # fmt: skip
        kinds["asks: " + kind(r["question"])].append(s)
    rates = table(weeks, f"Per week (ISO week of the as-of date), {len(records)} questions")
    if rates:
        print(
            f"\naccuracy on answerable questions per week: min {min(rates):.2f}, median "
            f"{statistics.median(rates):.2f}, max {max(rates):.2f}"
        )
    table(kinds, "Per kind of question")


if __name__ == "__main__":
    main()
