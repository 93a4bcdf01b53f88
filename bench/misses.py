"""Where the retrieval misses of an eval run are: in the corpus near the question's date, or not.

For each answerable question whose gold answer was in none of the retrieved passages
(category `retrieval_miss`), look for chunks that hold the gold string and were published in
the `--days` before the question's as-of date. When there are some, retrieve 100 passages for
the question and report the rank of the first such chunk. A miss with no such chunk cannot be
fixed by ranking: the corpus has no fresh article that says it (the gold string may still
occur in an old or unrelated one). Prints a table and the reachable misses.

    .venv/bin/python bench/misses.py eval-out/rtqa/results.jsonl --index IDX
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEPTH = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="results.jsonl of a newsrag eval run")
    parser.add_argument("--index", type=Path, required=True, help="the index the run used")
    parser.add_argument("--days", type=int, default=10, help="how fresh a chunk must be")
    args = parser.parse_args()

    from eval.metrics import contains
    from rag.config import Settings
    from rag.retrieval import Filters, Retriever, published_day

    retriever = Retriever(Settings.load(index=args.index))
    records = [json.loads(line) for line in args.results.open(encoding="utf-8")]
    misses = [
        r
        for r in records
        if r["gold"].get("answerable")
        and (r.get("scores") or {}).get("category") == "retrieval_miss"
    ]
    chunks = [
        (cid, text, published_day(meta.get("published")))
        for cid, text, meta in retriever.store.all_chunks()
    ]
    counts: Counter[str] = Counter()
    reachable = []
    for r in misses:
        as_of = dt.date.fromisoformat(r["as_of"])
        golds = r["gold"]["answers"]
        start = as_of - dt.timedelta(days=args.days)
        fresh = {
            cid
            for cid, text, day in chunks
            if day and start <= day <= as_of and contains(text, golds)
        }
        if not fresh:
            counts["no chunk with the gold string in the window"] += 1
            continue
        ranked = retriever.retrieve(r["question"], DEPTH, Filters(as_of=as_of))
        rank = next((i for i, p in enumerate(ranked, 1) if p.chunk_id in fresh), None)
        if rank is None:
            counts[f"such chunks, none in the top {DEPTH}"] += 1
        else:
            counts[f"such a chunk in the top {DEPTH}"] += 1
            reachable.append((rank, r["question"], golds[0]))

    window = f"{args.days} days before the as-of date"
    print(f"\n{len(misses)} retrieval misses of {args.results}; window: {window}\n")
    print("| miss | questions |")
    print("|---|---:|")
    for name, n in counts.most_common():
        print(f"| {name} | {n} |")
    if reachable:
        print("\n| rank of the first fresh gold chunk | question | gold |")
        print("|---:|---|---|")
        for rank, question, gold in sorted(reachable):
            print(f"| {rank} | {question} | {gold} |")


if __name__ == "__main__":
    main()
