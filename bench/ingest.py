"""Ingest throughput on the RealtimeQA corpus, against the encoder's limit and textbook LangChain.

In one run, on ../shared/data/realtimeqa-2023q4/articles.jsonl:

1. `newsrag ingest` (the real CLI, in a subprocess, on a fresh index), then again unchanged;
2. the textbook LangChain pipeline in a subprocess: `RecursiveCharacterTextSplitter` (1,000
   characters, 200 overlap) + `Chroma.from_documents` with the same model behind a LangChain
   `Embeddings` (what `HuggingFaceEmbeddings` does: plain `SentenceTransformer.encode`);
3. plain `SentenceTransformer.encode` of exactly the chunks newsrag stores, in fp32 and in
   bf16 (the encoder's limit for each precision); the default precision's runs right before
   and right after step 1, so that the machine's drift over a long run does not decide the
   ratio;
4. dense recall@5 on the 200 answerable questions, with fp32 vectors and with bf16 vectors:
   does the gold answer occur in the 5 chunks nearest the question, among the chunks
   published by the question's date?

Prints Markdown tables and writes bench/results/ingest.json.

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
DATA = ROOT.parent / "shared" / "data" / "realtimeqa-2023q4"
ARTICLES = DATA / "articles.jsonl"
QUESTIONS = DATA / "questions.jsonl"
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))


def progress(line: str) -> None:
    """Say how far a long run has got, on stderr (the tables go to stdout at the end)."""
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def _child_peak_mib() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024


def run_cli(index: Path, inputs: Path) -> tuple[float, str]:
    """Run `newsrag ingest` with the default settings; return (seconds, summary line)."""
    env = {**os.environ, "NEWSRAG_INDEX": str(index), "HF_HUB_OFFLINE": "1"}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "newsrag", "ingest", str(inputs)],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"ingest failed:\n{proc.stderr}")
    return seconds, proc.stdout.strip().splitlines()[-1]


def textbook(inputs: Path, directory: Path) -> dict:
    """The LangChain tutorial pipeline, timed from reading the file to the last chunk stored."""
    import chromadb
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from sentence_transformers import SentenceTransformer

    from rag.embeddings import default_model_path

    class STEmbeddings(Embeddings):
        """What langchain_huggingface.HuggingFaceEmbeddings does, without the extra package."""

        def __init__(self) -> None:
            self.model = SentenceTransformer(str(default_model_path()), device="cpu")

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.model.encode(texts, show_progress_bar=False).tolist()

        def embed_query(self, text: str) -> list[float]:
            return self.embed_documents([text])[0]

    t0 = time.perf_counter()
    with open(inputs) as fh:
        records = [json.loads(line) for line in fh]
    docs = [
        Document(
            page_content=f"{r['title']}\n\n{r['text']}",
            metadata={"url": r.get("url") or "", "published": r.get("published") or ""},
        )
        for r in records
    ]
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        docs
    )
    client = chromadb.PersistentClient(
        str(directory), settings=chromadb.Settings(anonymized_telemetry=False)
    )
    Chroma.from_documents(splits, STEmbeddings(), client=client, collection_name="textbook")
    return {
        "seconds": time.perf_counter() - t0,
        "chunks": len(splits),
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def run_textbook(inputs: Path, directory: Path) -> dict:
    """Run `textbook` in a fresh process, so its time and memory are its own."""
    proc = subprocess.run(
        [sys.executable, __file__, "--textbook", str(inputs), "--keep", str(directory)],
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.exit(f"the textbook pipeline failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def encode_seconds(embedder, texts: list[str]):  # noqa: ANN001, ANN201
    """Time plain `encode` of `texts` in the embedder's precision; return (seconds, vectors)."""
    import numpy as np
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=embedder.precision == "bf16"):
        embedder.model.encode(texts[:64], batch_size=32)  # warm up
        t0 = time.perf_counter()
        vectors = embedder.model.encode(
            texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
    return time.perf_counter() - t0, np.asarray(vectors, dtype=np.float32)


def dense_recall(embedder, vectors, chunks, questions: list[dict], k: int = 5) -> float:  # noqa: ANN001
    """Share of questions whose gold answer is in one of the k chunks nearest to them."""
    import numpy as np

    from eval.metrics import contains

    days = np.array([c[1] or "0000-00-00" for c in chunks])
    queries = np.asarray(embedder.embed([q["question"] for q in questions]), dtype=np.float32)
    hits = 0
    for q, qv in zip(questions, queries):
        scores = vectors @ qv
        scores[days > q["as_of"]] = -2.0  # published after the question: not visible
        top = np.argpartition(-scores, k)[:k]
        hits += any(contains(chunks[i][0], q["answers"]) for i in top)
    return hits / len(questions)


def measure(args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="newsrag-bench-"))
    inputs = ARTICLES
    if args.limit:
        inputs = work / "articles.jsonl"
        with open(ARTICLES) as src:
            inputs.write_text("".join(islice(src, args.limit)))
    index = args.keep or work / "index"
    with open(inputs) as fh:
        n_articles = sum(1 for _ in fh)

    from rag.chunking import chunk_articles
    from rag.config import Settings
    from rag.corpus import Article, load
    from rag.embeddings import SentenceTransformerEmbedder, resolve_precision

    default = resolve_precision(Settings.load().embedding_precision)
    other = "fp32" if default == "bf16" else "bf16"
    embedders = {p: SentenceTransformerEmbedder(precision=p) for p in ("fp32", "bf16")}
    embedders["bf16"].__dict__["model"] = embedders["fp32"].model  # one set of weights
    articles = [a for a in load([str(inputs)]) if isinstance(a, Article)]
    chunked = chunk_articles(articles, embedders["fp32"], Settings.load().chunk_tokens)
    texts = [c.embed_text for cs in chunked for c in cs]
    chunks = [(c.text, a.published) for a, cs in zip(articles, chunked) for c in cs]
    del chunked  # and the chunker's tokens with it: the plain encoder tokenises for itself

    # A shared machine's speed drifts over a long run (by 20% and more here), so the plain
    # encoder in the default precision runs right before and right after `newsrag ingest`, and
    # the ingest is compared with the mean of the two.
    before_s, default_vectors = encode_seconds(embedders[default], texts)
    progress(f"plain encode {default}, {len(texts)} chunks: {before_s:.1f} s")
    first_s, first_summary = run_cli(index, inputs)
    ingest_peak = _child_peak_mib()
    progress(f"newsrag ingest: {first_s:.1f} s")
    after_s, _ = encode_seconds(embedders[default], texts)
    progress(f"plain encode {default} again: {after_s:.1f} s")
    again_s, again_summary = run_cli(index, inputs)
    progress(f"newsrag ingest, same input again: {again_s:.1f} s")
    book = run_textbook(inputs, work / "textbook")
    progress(f"textbook LangChain: {book['seconds']:.1f} s")
    other_s, other_vectors = encode_seconds(embedders[other], texts)
    progress(f"plain encode {other}: {other_s:.1f} s")
    seconds = {default: (before_s + after_s) / 2, other: other_s}
    vectors = {default: default_vectors, other: other_vectors}
    fp32, bf16 = embedders["fp32"], embedders["bf16"]
    fp32_vectors, bf16_vectors = vectors["fp32"], vectors["bf16"]

    stored = json.loads(
        subprocess.run(
            [sys.executable, "-m", "newsrag", "stats", "--json", "--index", str(index)],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    assert stored["chunks"] == len(texts), (stored["chunks"], len(texts))

    recall = {}
    if QUESTIONS.exists() and not args.limit:
        questions = [json.loads(line) for line in QUESTIONS.open()]
        answerable = [q for q in questions if q.get("answer_in_corpus")]
        recall = {
            "questions": len(answerable),
            "fp32": dense_recall(fp32, fp32_vectors, chunks, answerable),
            "bf16": dense_recall(bf16, bf16_vectors, chunks, answerable),
        }
    n = len(texts)
    return {
        "corpus": str(inputs),
        "articles": n_articles,
        "chunks": n,
        "cores": os.cpu_count(),
        "default_precision": default,
        "first_summary": first_summary,
        "again_summary": again_summary,
        "ingest_s": first_s,
        "ingest_peak_mib": ingest_peak,
        "reingest_s": again_s,
        "textbook": book,
        "encode_fp32_s": seconds["fp32"],
        "encode_bf16_s": seconds["bf16"],
        "encode_default_before_after_s": [before_s, after_s],
        "cosine_fp32_bf16_min": float((fp32_vectors * bf16_vectors).sum(axis=1).min()),
        "recall_at_5": recall,
    }


def report(r: dict) -> None:
    n = r["chunks"]
    book = r["textbook"]
    print(f"\ncorpus: {r['corpus']} ({r['articles']} articles, {n} chunks), {r['cores']} cores")
    print(f"first run:  {r['first_summary']}")
    print(f"second run: {r['again_summary']}\n")
    rows = [
        (
            f"newsrag ingest, first run (CLI, fresh index, {r['default_precision']})",
            r["ingest_s"],
            n,
        ),
        ("newsrag ingest, same input again", r["reingest_s"], 0),
        ("textbook LangChain: splitter + Chroma.from_documents", book["seconds"], book["chunks"]),
        ("plain SentenceTransformer.encode fp32, same chunks", r["encode_fp32_s"], n),
        ("plain SentenceTransformer.encode bf16, same chunks", r["encode_bf16_s"], n),
    ]
    print(f"| {'what':58} | {'seconds':>8} | {'chunks':>7} | {'chunks/s':>8} |")
    print(f"|{'-' * 60}|{'-' * 9}:|{'-' * 8}:|{'-' * 9}:|")
    for name, secs, chunks in rows:
        rate = f"{chunks / secs:8.1f}" if chunks else f"{'-':>8}"
        print(f"| {name:58} | {secs:8.1f} | {chunks:7d} | {rate} |")
    before, after = r["encode_default_before_after_s"]
    print(
        f"\nplain encode {r['default_precision']}: {before:.1f} s right before the ingest, "
        f"{after:.1f} s right after it; the table shows their mean"
    )
    plain = r["encode_bf16_s"] if r["default_precision"] == "bf16" else r["encode_fp32_s"]
    print(
        f"\n| target | measured | |\n|---|---:|---|\n"
        f"| ingest >= 0.9x plain encode ({r['default_precision']}) | "
        f"{plain / r['ingest_s']:.2f}x | {'met' if plain / r['ingest_s'] >= 0.9 else 'NOT met'} |\n"
        f"| re-ingest <= 5% of a full ingest | {r['reingest_s'] / r['ingest_s']:.1%} | "
        f"{'met' if r['reingest_s'] <= 0.05 * r['ingest_s'] else 'NOT met'} |\n"
        f"| bf16 encoder >= 2x fp32 encoder | {r['encode_fp32_s'] / r['encode_bf16_s']:.2f}x | "
        f"{'met' if r['encode_fp32_s'] >= 2 * r['encode_bf16_s'] else 'NOT met'} |"
    )
    rec = r["recall_at_5"]
    if rec:
        drop = (rec["fp32"] - rec["bf16"]) * 100
        print(
            f"| dense recall@5, {rec['questions']} answerable questions: fp32 {rec['fp32']:.3f}, "
            f"bf16 {rec['bf16']:.3f} | {drop:+.1f} points lower | "
            f"{'met' if drop <= 1 else 'NOT met'} |"
        )
    print(
        f"\nsmallest cosine between a chunk's fp32 and bf16 vector: {r['cosine_fp32_bf16_min']:.5f}"
    )
    print(
        f"newsrag ingest vs textbook LangChain: {n / r['ingest_s']:.1f} vs "
        f"{book['chunks'] / book['seconds']:.1f} chunks/s, "
        f"{r['articles'] / r['ingest_s']:.1f} vs {r['articles'] / book['seconds']:.1f} articles/s"
    )
    print(
        f"peak memory: newsrag ingest {r['ingest_peak_mib']} MiB, "
        f"textbook LangChain {book['peak_mib']} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, help="use only the first N articles")
    parser.add_argument("--keep", type=Path, help="build the index here and keep it")
    parser.add_argument("--textbook", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.textbook:  # the child process of run_textbook
        print(json.dumps(textbook(args.textbook, args.keep)))
        return
    if not ARTICLES.exists():
        sys.exit(f"needs ../shared beside the repository: {ARTICLES} not found")
    result = measure(args)
    report(result)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ingest.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
