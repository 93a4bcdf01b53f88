"""Retrieval ablation: gold@1/5/10 on the answerable RealtimeQA questions, one mechanism at a time.

Each row switches on one more mechanism of `rag.retrieval.Retriever` (time scope, window search,
preamble sentences, recent news for questions without time words) and reports how often a
passage among the top 1/5/10 holds a gold answer, over the 200 answerable questions, with
the spread over the set's weeks (as-of dates) and by whether the question names a time
scope. Writes bench/results/retrieval.json.

    .venv/bin/python bench/retrieval.py --index DIR [--questions FILE]

DIR must hold the corpus (`newsrag ingest ../shared/data/realtimeqa-2023q4/articles.jsonl
--index DIR`).
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
QUESTIONS = ROOT.parent / "shared" / "data" / "realtimeqa-2023q4" / "questions.jsonl"
sys.path.insert(0, str(ROOT))

# (row name, knobs set on the Retriever); each row keeps the knobs of the rows above it.
ABLATION: list[tuple[str, dict[str, Any]]] = [
    (
        "fused dense + BM25, no time scope",
        dict(
            window_weight=0.0,
            soft_weight=0.0,
            implied_weight=0.0,
            window_search=False,
            split_preamble=False,
            window_min_share=0.0,
        ),
    ),
    ("+ time scope weighting", dict(window_weight=3.0, soft_weight=0.7)),
    ("+ date gain only for passages half as similar as the best", dict(window_min_share=0.5)),
    ("+ dense search inside the window", dict(window_search=True)),
    ("+ preamble sentences as extra queries", dict(split_preamble=True)),
    ("+ recent news for questions without time words", dict(implied_weight=1.5)),
]


def load(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [q for q in rows if q.get("answers") and q.get("answer_in_corpus", True)]


def retrieve_each(retriever: Any, questions: list[dict[str, Any]], k: int) -> list[list[Any]]:
    """The top `k` passages of each question, retrieved as of its date."""
    from rag.retrieval import Filters

    return [
        retriever.retrieve(q["question"], k, Filters(as_of=dt.date.fromisoformat(q["as_of"])))
        for q in questions
    ]


def measure(retriever: Any, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Rank of the first gold passage per question, and gold@k over groups."""
    from eval.metrics import contains, passage_text
    from rag.timescope import time_scope

    ranks: list[int | None] = []
    for q, passages in zip(questions, retrieve_each(retriever, questions, 10)):
        texts = [passage_text({"title": p.title, "text": p.text}) for p in passages]
        ranks.append(next((r for r, t in enumerate(texts, 1) if contains(t, q["answers"])), None))
    groups: dict[str, list[int | None]] = defaultdict(list)
    for q, rank in zip(questions, ranks):
        groups[f"week {q['as_of']}"].append(rank)
        scoped = time_scope(q["question"], dt.date.fromisoformat(q["as_of"]))
        groups["scoped" if scoped else "no scope"].append(rank)

    def at(rs: list[int | None], k: int) -> float:
        return sum(1 for r in rs if r and r <= k) / max(1, len(rs))

    weeks = [v for g, v in groups.items() if g.startswith("week")]
    return {
        "n": len(ranks),
        "gold@1": at(ranks, 1),
        "gold@5": at(ranks, 5),
        "gold@10": at(ranks, 10),
        "scoped@5": at(groups["scoped"], 5),
        "n_scoped": len(groups["scoped"]),
        "unscoped@5": at(groups["no scope"], 5),
        "week@5_min": min(at(v, 5) for v in weeks),
        "week@5_median": statistics.median(at(v, 5) for v in weeks),
        "week@5_max": max(at(v, 5) for v in weeks),
        "ranks": ranks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "retrieval.json")
    parser.add_argument("--budgets", type=int, nargs="+", default=[250, 500, 800, 1200])
    parser.add_argument("--top-ks", type=int, nargs="+", default=[5, 8, 10])
    args = parser.parse_args()
    if not args.questions.exists():
        sys.exit(f"{args.questions} not found: this benchmark needs ../shared beside the repo")

    from rag.config import Settings
    from rag.retrieval import Retriever

    questions = load(args.questions)
    retriever = Retriever(Settings.load(index=args.index))
    rows = []
    for name, knobs in ABLATION:
        for key, value in knobs.items():
            setattr(retriever, key, value)
        result = measure(retriever, questions)
        rows.append({"row": name, **result})
        print(f"{name}: gold@5 {result['gold@5']:.3f}", file=sys.stderr)
    print(f"\nRetrieval ablation, {len(questions)} answerable questions ({args.questions.name})\n")
    print(
        "| mechanism | gold@1 | gold@5 | gold@10 | @5 scoped (n) | @5 unscoped "
        "| @5 per week min / median / max |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['row']} | {r['gold@1']:.3f} | {r['gold@5']:.3f} | {r['gold@10']:.3f} "
            f"| {r['scoped@5']:.3f} ({r['n_scoped']}) | {r['unscoped@5']:.3f} "
            f"| {r['week@5_min']:.2f} / {r['week@5_median']:.2f} / {r['week@5_max']:.2f} |"
        )
    shown = context_table(retriever, questions, args.budgets, args.top_ks)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"ablation": rows, "shown": shown}, indent=1))


def context_table(
    retriever: Any, questions: list[dict[str, Any]], budgets: list[int], top_ks: list[int]
) -> list[dict[str, Any]]:
    """How often the gold answer is in what the model reads, per context budget and top-k."""
    from eval.metrics import contains
    from rag.config import Settings
    from rag.context import select_context

    min_sim = Settings.load().min_similarity
    retrieved = retrieve_each(retriever, questions, max(top_ks))
    rows = []
    for k in top_ks:
        for budget in budgets:
            shown_hits = lost = 0
            for q, passages in zip(questions, retrieved):
                top = [p for p in passages[:k] if p.similarity >= min_sim]
                in_top = any(contains(f"{p.title}\n{p.text}", q["answers"]) for p in top)
                chosen = select_context(q["question"], top, budget, retriever.embedder.embed)
                hit = any(contains(f"{p.title}\n{t}", q["answers"]) for p, t in chosen)
                shown_hits += hit
                lost += in_top and not hit
            rows.append({"top_k": k, "budget": budget, "shown": shown_hits, "cut": lost})
            print(f"top-{k} budget {budget}: shown {shown_hits}, cut {lost}", file=sys.stderr)
    n = len(questions)
    print(f"\nGold answer in the text shown to the model ({n} answerable questions)\n")
    print("| top-k | context tokens | gold shown | gold retrieved but cut by sentence selection |")
    print("|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['top_k']} | {r['budget']} | {r['shown']} ({r['shown'] / n:.3f}) | {r['cut']} |"
        )
    return rows


if __name__ == "__main__":
    main()
