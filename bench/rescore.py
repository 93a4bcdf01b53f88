"""Another embedding model as a re-scorer of the retriever's top passages: gold@k per order.

For each answerable RealtimeQA question (as of its date) the retriever's top N passages are
re-scored by the cosine between the question and each passage's title and text, with the
default embedding model (the control) and with the model given, alone and fused with today's
order (reciprocal-rank fusion at a few weights). A cheap way to try a larger embedder without
re-embedding the corpus with it.

    .venv/bin/python bench/rescore.py --index DIR --model PATH [--top 20] [--bf16]

PATH is a local sentence-transformers folder (nothing is downloaded); DIR an index of the 2023
corpus (`newsrag ingest ../shared/data/realtimeqa-2023q4/articles.jsonl --index DIR`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT.parent / "shared" / "data" / "realtimeqa-2023q4" / "questions.jsonl"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

WEIGHTS = (0.1, 0.25, 0.5)
KS = (1, 3, 5, 10)


def gold_at(gold: list[list[bool]], orders: list[list[int]], k: int) -> float:
    """Share of questions with a gold passage among the first k of their order."""
    return sum(any(g[i] for i in o[:k]) for g, o in zip(gold, orders)) / max(1, len(gold))


def by_score(scores: list[list[float]]) -> list[list[int]]:
    return [sorted(range(len(s)), key=lambda i: -s[i]) for s in scores]


def fused(orders: list[list[int]], weight: float) -> list[list[int]]:
    """Today's order (position i) fused with another by reciprocal rank (k = 60)."""
    out = []
    for other in orders:
        rank = {p: r for r, p in enumerate(other)}
        out.append(sorted(other, key=lambda i: -(1 / (60 + i) + weight / (60 + rank[i]))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True, help="sentence-transformers folder")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--bf16", action="store_true", help="run the model given in bfloat16")
    args = parser.parse_args()
    if not args.questions.exists():
        sys.exit(f"{args.questions} not found: this benchmark needs ../shared beside the repo")

    import torch
    from sentence_transformers import SentenceTransformer

    from bench.retrieval import load, retrieve_each
    from eval.metrics import contains, passage_text
    from rag.config import Settings
    from rag.embeddings import default_model_path
    from rag.retrieval import Retriever

    questions = load(args.questions)
    retriever = Retriever(Settings.load(index=args.index))
    pools = retrieve_each(retriever, questions, args.top)
    gold = [
        [contains(passage_text({"title": p.title, "text": p.text}), q["answers"]) for p in ps]
        for q, ps in zip(questions, pools)
    ]
    rows: dict[str, list[list[int]]] = {"today's retriever": [list(range(len(p))) for p in pools]}
    models = (("default model", str(default_model_path())), (args.model.name, str(args.model)))
    for name, path in models:
        model: Any = SentenceTransformer(path, device="cpu")
        if args.bf16 and path == str(args.model):
            model = model.to(torch.bfloat16)
        start = time.perf_counter()
        scores = []
        for q, ps in zip(questions, pools):
            texts = [q["question"], *(f"{p.title}\n{p.text}" for p in ps)]
            emb = model.encode(texts, batch_size=32, normalize_embeddings=True)
            scores.append([float(x) for x in emb[1:] @ emb[0]])
        print(f"{name}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
        alone = by_score(scores)
        rows[f"{name} cosine alone"] = alone
        for w in WEIGHTS:
            rows[f"today's + {name} (fusion weight {w})"] = fused(alone, w)
    print(f"\nRe-scoring the top {args.top}, {len(questions)} answerable questions\n")
    print("| order | " + " | ".join(f"gold@{k}" for k in KS) + " |")
    print("|---|" + "---:|" * len(KS))
    for name, orders in rows.items():
        print(f"| {name} | " + " | ".join(f"{gold_at(gold, orders, k):.3f}" for k in KS) + " |")


if __name__ == "__main__":
    main()
