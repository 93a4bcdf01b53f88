"""Recency for questions without time words: gold@k when such a question gets a soft window.

A question with no time words ("Which carrier is merging with Alaska Airlines?") has no scope,
so retrieval ignores dates. Each row gives such questions a soft window over the last D days
before the as-of date, at weight W, with the same similarity gate and window search as named
scopes (`rag.retrieval`). Questions with time words are unchanged. Measured as
`bench/retrieval.py` measures, over the answerable RealtimeQA questions. Not built into the
product: this measures the mechanism before an answer run.

    .venv/bin/python bench/recency.py --index DIR
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

IMPLICIT = "(no time words)"
SETTINGS = [(0.3, 8), (0.3, 31), (0.7, 8), (0.7, 31), (1.5, 8), (1.5, 31)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    args = parser.parse_args()

    import rag.retrieval as rr
    from bench.retrieval import QUESTIONS, load, measure
    from rag.config import Settings
    from rag.timescope import TimeScope

    if not QUESTIONS.exists():
        sys.exit(f"{QUESTIONS} not found: this benchmark needs ../shared beside the repo")
    current = {"weight": None, "days": 0}
    time_factor = rr.time_factor

    def factor(published, scope, weight=rr.WINDOW_WEIGHT, soft=rr.SOFT_WINDOW_WEIGHT):
        if scope is not None and scope.phrase == IMPLICIT:
            soft = current["weight"]
        return time_factor(published, scope, weight, soft)

    class Retriever(rr.Retriever):
        def scope_of(self, query, as_of, recent=None):
            scope = super().scope_of(query, as_of, recent)
            if scope is None and current["weight"] is not None and recent is not False:
                start = as_of - dt.timedelta(days=current["days"])
                scope = TimeScope(IMPLICIT, start, as_of, soft=True)
            return scope

    rr.time_factor = factor
    questions = load(QUESTIONS)
    retriever = Retriever(Settings.load(index=args.index))
    print(f"\nRecency for questions without time words, {len(questions)} answerable questions\n")
    print(
        "| W, D | gold@1 | gold@5 | gold@10 | @5 no time words | @5 per week min / median / max |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for weight, days in [(None, 0), *SETTINGS]:
        current.update(weight=weight, days=days)
        m = measure(retriever, questions)
        name = "none (as built)" if weight is None else f"{weight}, {days} days"
        print(
            f"| {name} | {m['gold@1']:.3f} | {m['gold@5']:.3f} | {m['gold@10']:.3f} "
            f"| {m['unscoped@5']:.3f} "
            f"| {m['week@5_min']:.2f} / {m['week@5_median']:.2f} / {m['week@5_max']:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
