"""The real path end to end: real embedding model, real Chroma (embedded and server)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import httpx
import pytest

from rag.config import Settings
from rag.ingest import ingest
from rag.store import KeywordIndex, StoreError, VectorStore
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """A real `chroma run` server on a free loopback port."""
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        pytest.fail("the `chroma` command (from the chromadb package) is not installed")
    port = _free_port()
    proc = subprocess.Popen(
        [
            exe,
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "chroma run did not start"
        time.sleep(0.3)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_chroma_server_ingest_search_and_reingest(tmp_path: Path, real_embedder, chroma_server):
    settings = Settings.load(index=tmp_path / "index", chroma_url=chroma_server, batch_size=32)
    recs = [make_record(i, sentences=30) for i in range(10)]
    f = write_jsonl(tmp_path / "a.jsonl", recs)
    report = ingest([str(f), str(ROOT / "corpus")], settings, embedder=real_embedder)
    assert (report.added, report.failed) == (11, 0)
    assert not (tmp_path / "index" / "chroma").exists()  # vectors live on the server
    store = VectorStore(settings, real_embedder.name)
    [best] = store.search(real_embedder.embed([QUESTION])[0], 1)
    assert "MiniMax" in best.text
    again = ingest([str(f), str(ROOT / "corpus")], settings, embedder=real_embedder)
    assert (again.unchanged, again.chunks) == (11, 0)
    keyword = KeywordIndex(settings.index / "keyword")
    assert sorted(keyword.ids()) == sorted(cid for cid, _, _ in store.all_chunks())


def test_unreachable_chroma_server_is_a_clear_error(tmp_path: Path):
    settings = Settings.load(index=tmp_path / "i", chroma_url=f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(StoreError, match="Cannot reach the Chroma server at http://127.0.0.1:"):
        VectorStore(settings, "fake").count()
