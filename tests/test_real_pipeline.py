"""The real path end to end: real embedding model, real embedded Chroma.

Server mode (`chroma run`) is tested in test_chroma_server.py.
"""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path

import pytest

from rag.config import Settings
from rag.ingest import ingest
from rag.store import VectorStore
from tests.conftest import REALTIMEQA, ROOT, make_record, write_jsonl

pytestmark = pytest.mark.slow
QUESTION = "Who is leading MiniMax's new funding round, and how much is it seeking?"


def test_demo_corpus_answers_the_founding_question(tmp_path: Path, real_embedder):
    settings = Settings.load(index=tmp_path / "index")
    others = write_jsonl(tmp_path / "other.jsonl", [make_record(i) for i in range(20)])
    report = ingest([str(ROOT / "corpus"), str(others)], settings, embedder=real_embedder)
    assert (report.added, report.failed) == (21, 0)
    store = VectorStore(settings, real_embedder.name)
    [best, *_] = store.search(real_embedder.embed([QUESTION])[0], 3)
    assert best.title == "Alibaba reportedly to lead MiniMax's latest funding round"
    assert "lead investor" in best.text and "$600 million" in best.text
    assert best.source is None and best.published is None  # the text gives neither


def test_realtimeqa_sample_is_found_by_its_own_titles(tmp_path: Path, real_embedder, shared):
    with open(REALTIMEQA / "articles.jsonl") as fh:
        records = [json.loads(line) for line in islice(fh, 60)]
    sample = write_jsonl(tmp_path / "sample.jsonl", records)
    settings = Settings.load(index=tmp_path / "index")
    report = ingest([str(sample)], settings, embedder=real_embedder)
    assert (report.added, report.failed) == (60, 0)
    store = VectorStore(settings, real_embedder.name)
    assert set(store.articles()) == {r["id"] for r in records}
    hits = 0
    for r in records[::6]:
        found = store.search(real_embedder.embed([r["title"]])[0], 5)
        hits += any(p.article_id == r["id"] for p in found)
    assert hits >= 9  # of 10
