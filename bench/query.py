"""Retrieval latency: dense, keyword and hybrid (with filters), on the corpus and on 10x of it.

Runs the 339 RealtimeQA questions through each kind of search on an index of the 1,989-article
corpus, then on an index ten times larger made from it (each chunk copied nine times with its
vector slightly perturbed, so nothing is re-embedded), and prints p50/p95 per query. Writes
the numbers to bench/results/query.json.

    .venv/bin/python bench/query.py --index DIR [--scale 10] [--big DIR]

DIR must hold the corpus (`newsrag ingest ../shared/data/realtimeqa-2023q4/articles.jsonl
--index DIR`); the larger index is built under --big (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT.parent / "shared" / "data" / "realtimeqa-2023q4" / "questions.jsonl"
sys.path.insert(0, str(ROOT))


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def scale_index(source: Path, target: Path, copies: int) -> int:
    """Copy every chunk of `source` into `target` `copies` times; return the chunk count."""
    import numpy as np

    from rag.config import Settings
    from rag.store import KeywordIndex, VectorStore, fingerprint

    src = VectorStore(Settings.load(index=source), "all-MiniLM-L6-v2")
    dst = VectorStore(Settings.load(index=target), "all-MiniLM-L6-v2")
    rng = np.random.default_rng(0)
    step = 2000
    offset = 0
    while True:
        page = src.collection.get(
            include=["documents", "metadatas", "embeddings"], limit=step, offset=offset
        )
        if not page["ids"]:
            break
        offset += len(page["ids"])
        vectors = np.asarray(page["embeddings"], dtype=np.float32)
        for c in range(copies):
            noisy = vectors if c == 0 else vectors + rng.normal(0, 0.01, vectors.shape)
            noisy = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
            metas = []
            for meta in page["metadatas"]:
                m = dict(meta)
                if c:
                    m["article_id"] = f"{m['article_id']}~{c}"
                metas.append(m)
            docs = page["documents"]  # None where the text is in the metadata
            dst.collection.add(
                ids=[cid if c == 0 else f"{cid}~{c}" for cid in page["ids"]],
                embeddings=noisy.tolist(),
                metadatas=metas,
                **({"documents": docs} if any(d is not None for d in docs) else {}),
            )
    KeywordIndex(target / "keyword").build(dst, fingerprint(dst.articles()), dst.generation())
    return dst.count()


def measure(index: Path, questions: list[dict]) -> dict[str, tuple[float, float]]:
    from rag.config import Settings
    from rag.retrieval import Filters, Retriever

    retriever = Retriever(Settings.load(index=index))
    retriever.retrieve("warm up", k=5)  # load the model and the keyword index
    sources = ("apnews.com", "cnn.com", "usatoday.com", "foxnews.com")

    def as_of(q: dict) -> Filters:
        return Filters(as_of=dt.date.fromisoformat(q["as_of"]))

    def ranged(q: dict) -> Filters:
        day = dt.date.fromisoformat(q["as_of"])
        return Filters(as_of=day, date_from=day - dt.timedelta(days=30), sources=sources)

    kinds: dict[str, Callable[[dict], object]] = {
        "embed the question": lambda q: retriever.embedder.embed([q["question"]]),
        "dense (Chroma, as-of filter)": lambda q: retriever.dense(q["question"], 10, as_of(q)),
        "keyword (BM25)": lambda q: retriever.keyword.search(q["question"], 120),
        "hybrid (as-of filter)": lambda q: retriever.retrieve(q["question"], 5, as_of(q)),
        "hybrid (as-of + 30 days + 4 outlets)": lambda q: retriever.retrieve(
            q["question"], 5, ranged(q)
        ),
    }
    out = {}
    for name, run in kinds.items():
        samples = []
        for q in questions:
            t0 = time.perf_counter()
            run(q)
            samples.append((time.perf_counter() - t0) * 1000)
        out[name] = percentiles(samples)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="index of the 2023 corpus")
    parser.add_argument("--scale", type=int, default=10, help="size of the larger index")
    parser.add_argument("--big", type=Path, help="where to build the larger index")
    args = parser.parse_args()
    if not QUESTIONS.exists():
        sys.exit(f"needs ../shared beside the repository: {QUESTIONS} not found")
    questions = [json.loads(line) for line in QUESTIONS.open()]

    from rag.config import Settings
    from rag.store import VectorStore

    chunks = VectorStore(Settings.load(index=args.index), "all-MiniLM-L6-v2").count()
    results = {f"{chunks} chunks": measure(args.index, questions)}
    if args.scale > 1:
        big = args.big or Path(tempfile.mkdtemp(prefix="newsrag-big-")) / "index"
        if not (big / "chroma").exists():
            t0 = time.perf_counter()
            n = scale_index(args.index, big, args.scale)
            print(f"built {n} chunks in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        big_chunks = VectorStore(Settings.load(index=big), "all-MiniLM-L6-v2").count()
        results[f"{big_chunks} chunks"] = measure(big, questions)

    sizes = list(results)
    print(f"Retrieval latency per query, ms, {len(questions)} questions (p50 / p95)\n")
    print("| search | " + " | ".join(sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for kind in results[sizes[0]]:
        cells = [f"{results[s][kind][0]:.1f} / {results[s][kind][1]:.1f}" for s in sizes]
        print(f"| {kind} | " + " | ".join(cells) + " |")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "query.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
