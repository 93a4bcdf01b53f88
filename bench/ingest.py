"""Ingest throughput on the RealtimeQA corpus, against plain SentenceTransformer.encode.

Runs `newsrag ingest` (the real CLI, in a subprocess, on a fresh index) twice over
../shared/data/realtimeqa-2023q4/articles.jsonl, then times plain `encode` on exactly the
chunks the ingest stored, in this process. Prints a table.

    .venv/bin/python bench/ingest.py [--limit N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT.parent / "shared" / "data" / "realtimeqa-2023q4" / "articles.jsonl"
sys.path.insert(0, str(ROOT))


def run_cli(index: Path, inputs: Path) -> tuple[float, str, int]:
    """Run `newsrag ingest`; return (seconds, summary line, peak RSS in MiB of the child)."""
    env = {**os.environ, "NEWSRAG_INDEX": str(index), "HF_HUB_OFFLINE": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "rag", "ingest", str(inputs)],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"ingest failed:\n{proc.stderr}")
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) // 1024
    return seconds, proc.stdout.strip().splitlines()[-1], peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, help="use only the first N articles")
    parser.add_argument("--keep", type=Path, help="build the index here and keep it")
    args = parser.parse_args()
    if not ARTICLES.exists():
        sys.exit(f"needs ../shared beside the repository: {ARTICLES} not found")

    work = Path(tempfile.mkdtemp(prefix="newsrag-bench-"))
    inputs = ARTICLES
    if args.limit:
        inputs = work / "articles.jsonl"
        with open(ARTICLES) as src:
            inputs.write_text("".join(islice(src, args.limit)))
    index = args.keep or work / "index"
    with open(inputs) as fh:
        n_articles = sum(1 for _ in fh)

    first_s, first_summary, first_rss = run_cli(index, inputs)
    again_s, again_summary, _ = run_cli(index, inputs)

    # The baseline: plain encode of exactly the texts the ingest embedded, in one call.
    from rag.chunking import chunk_articles
    from rag.config import Settings
    from rag.corpus import Article, load
    from rag.embeddings import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    model = embedder.model
    articles = [a for a in load([str(inputs)]) if isinstance(a, Article)]
    texts = [c.embed_text for cs in chunk_articles(articles, embedder, Settings.load().chunk_tokens)
             for c in cs]  # fmt: skip
    t0 = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    encode_s = time.perf_counter() - t0

    n_chunks = len(texts)
    stored = json.loads(
        subprocess.run(
            [sys.executable, "-m", "rag", "stats", "--json", "--index", str(index)],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    assert stored["chunks"] == n_chunks, (stored["chunks"], n_chunks)

    print(f"\ncorpus: {inputs} ({n_articles} articles, {n_chunks} chunks), {os.cpu_count()} cores")
    print(f"first run:  {first_summary}")
    print(f"second run: {again_summary}\n")
    rows = [
        ("newsrag ingest, first run (CLI, fresh index)", first_s, n_chunks),
        ("newsrag ingest, same input again", again_s, 0),
        ("plain SentenceTransformer.encode, same chunks", encode_s, n_chunks),
    ]
    print(f"| {'what':48} | {'seconds':>8} | {'chunks':>7} | {'chunks/s':>8} |")
    print(f"|{'-' * 50}|{'-' * 9}:|{'-' * 8}:|{'-' * 9}:|")
    for name, secs, chunks in rows:
        rate = f"{chunks / secs:8.1f}" if chunks else f"{'-':>8}"
        print(f"| {name:48} | {secs:8.1f} | {chunks:7d} | {rate} |")
    print(
        f"\ningest throughput / plain encode: {encode_s / first_s:.2f}"
        f"   (the whole CLI run, model load and keyword index included)"
    )
    print(f"second run / first run: {again_s / first_s:.3f}   (target: under 0.1)")
    print(f"peak memory of the first ingest: {first_rss} MiB")


if __name__ == "__main__":
    main()
