"""Server mode for real: a `chroma run` subprocess, the real embedding model, the real CLI.

Covers ingest, search, ask and eval through NEWSRAG_CHROMA_URL, a second newsrag instance
(another --index) sharing the server and its keyword index catching up with the first one's
writes, and the server being killed in the middle of an ingest.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from newsrag.cli import main
from rag.config import Settings
from rag.embeddings import get_embedder
from rag.ingest import ingest
from rag.retrieval import Retriever
from rag.store import KeywordIndex, StoreError, VectorStore
from tests.conftest import ROOT, free_port, make_record, newsrag_env, write_jsonl

pytestmark = pytest.mark.slow
QUESTION = "Who is leading MiniMax's new funding round, and how much is it seeking?"


class ChromaServer:
    """A real `chroma run` on a loopback port, which a test can kill and start again."""

    def __init__(self, path: Path) -> None:
        exe = shutil.which("chroma", path=str(Path(sys.executable).parent))
        if exe is None:
            pytest.fail("the `chroma` command (from the chromadb package) is not installed")
        self.cmd = [exe, "run", "--path", str(path), "--host", "127.0.0.1"]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        self.proc = subprocess.Popen(
            [*self.cmd, "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.proc.poll() is None, f"chroma run exited with {self.proc.returncode}"
            assert time.monotonic() < deadline, "chroma run did not start"
            time.sleep(0.2)

    def kill(self) -> None:
        """Kill the server at once (SIGKILL): no chance to finish what it was doing."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A real `chroma run` server on a free loopback port, storing under tmp_path/server."""
    server = ChromaServer(tmp_path / "server")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def newsrag(*args: str, url: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the `newsrag` command with NEWSRAG_CHROMA_URL set to `url` in its environment."""
    return subprocess.run(
        [sys.executable, "-m", "newsrag", *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env=newsrag_env(NEWSRAG_CHROMA_URL=url),
    )  # fmt: skip


def assert_consistent(store: VectorStore, keyword: KeywordIndex) -> None:
    """Every article complete, no chunk stored twice, the keyword index covering exactly them."""
    states = store.articles()
    assert all(s.complete for s in states.values())
    assert store.count() == sum(s.n_chunks for s in states.values())
    assert sorted(keyword.ids()) == sorted(cid for cid, _, _ in store.all_chunks())


def test_chroma_server_ingest_search_and_reingest(tmp_path: Path, real_embedder, chroma_server):
    settings = Settings.load(index=tmp_path / "index", chroma_url=chroma_server.url, batch_size=32)
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
    assert_consistent(store, KeywordIndex(settings.index / "keyword"))


def test_unreachable_chroma_server_is_a_clear_error(tmp_path: Path):
    settings = Settings.load(index=tmp_path / "i", chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreError, match="Cannot reach the Chroma server at http://127.0.0.1:"):
        VectorStore(settings, "fake").count()


QUESTIONS = [
    {"id": "q1", "question": "Which company is reportedly leading MiniMax's latest funding round?",
     "answers": ["Alibaba"], "as_of": "2024-03-08"},
    {"id": "q2", "question": "What did the Quillfeather council decide about the footbridge?",
     "answers": ["repaint it teal"], "as_of": "2024-03-08"},
]  # fmt: skip
QUILLFEATHER = {
    "url": "https://news.example.com/quillfeather-bridge",
    "title": "Council votes on the old footbridge",
    "published": "2024-03-01",
    "source": "example.com",
    "text": "The Quillfeather council voted on Tuesday to repaint the old footbridge teal. "
    "Residents had asked for the colour in a petition signed by 412 people. Work starts in "
    "April and the footbridge stays open while the painters are at work.",
}


def test_cli_ingest_search_ask_and_eval_through_the_server(tmp_path: Path, chroma_server):
    """Instance A ingests; instance B (another --index, the same server) searches, asks and
    evaluates, its keyword index built from the server: nothing of A's is on B's disk."""
    url = chroma_server.url
    news = write_jsonl(tmp_path / "news.jsonl", [QUILLFEATHER, make_record(1), make_record(2)])
    a, b = tmp_path / "a", tmp_path / "b"
    ingested = newsrag(
        "ingest", str(ROOT / "corpus"), str(news), "--index", str(a), "--no-deals", url=url
    )
    assert ingested.returncode == 0, ingested.stderr
    assert ingested.stdout.startswith("4 added, 0 updated")
    assert not (a / "chroma").exists() and (a / "keyword" / "CURRENT").exists()

    # In-process from here on (the model loads once), NEWSRAG_CHROMA_URL still in os.environ.
    cli = CliRunner()
    env = {"NEWSRAG_CHROMA_URL": url}
    found = cli.invoke(main, ["search", "MiniMax funding round lead investor", "--json", "--k",
                              "3", "--index", str(b)], env=env)  # fmt: skip
    assert found.exit_code == 0, found.output
    assert "MiniMax" in json.loads(found.stdout)[0]["text"]

    asked = cli.invoke(main, ["ask", QUESTIONS[1]["question"], "--llm", "fake", "--as-of",
                              "2024-03-08", "--json", "--index", str(b)], env=env)  # fmt: skip
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.stdout)
    assert not answer["refused"] and "teal" in answer["text"]
    assert answer["citations"][0]["url"] == QUILLFEATHER["url"]
    # B built its own keyword index from the server: the same chunks as A's, none on B's disk.
    store = VectorStore(Settings.load(index=b, chroma_url=url), get_embedder("").name)
    chunk_ids = sorted(cid for cid, _, _ in store.all_chunks())
    assert sorted(KeywordIndex(b / "keyword").ids()) == chunk_ids
    assert sorted(KeywordIndex(a / "keyword").ids()) == chunk_ids
    assert not (b / "chroma").exists()

    questions = write_jsonl(tmp_path / "questions.jsonl", QUESTIONS)
    out = tmp_path / "eval-out"
    scored = cli.invoke(main, ["eval", str(questions), "--llm", "fake", "--index", str(b),
                               "--out", str(out)], env=env)  # fmt: skip
    assert scored.exit_code == 0, scored.output
    records = {r["id"]: r for r in map(json.loads, (out / "results.jsonl").open())}
    assert set(records) == {"q1", "q2"} and not any(r["error"] for r in records.values())
    assert "MiniMax" in records["q1"]["retrieved"][0]["text"]
    assert records["q2"]["retrieved"][0]["url"] == QUILLFEATHER["url"]
    counts = json.loads((out / "report.json").read_text())["counts"]
    assert (counts["questions"], counts["errors"]) == (2, 0)


def test_keyword_index_catches_up_with_another_instance(tmp_path: Path, real_embedder,
                                                        chroma_server):  # fmt: skip
    """A long-lived reader (a chat) sees articles another instance adds, in BM25 too, and does
    not rebuild its keyword index when nothing changed."""
    writer = Settings.load(index=tmp_path / "a", chroma_url=chroma_server.url)
    reader = Settings.load(index=tmp_path / "b", chroma_url=chroma_server.url)
    ingest([str(ROOT / "corpus")], writer, embedder=real_embedder)
    retriever = Retriever(reader, embedder=real_embedder)
    assert "MiniMax" in retriever.retrieve(QUESTION, k=1)[0].text
    current = (tmp_path / "b" / "keyword" / "CURRENT").read_text()
    retriever.retrieve("Who founded MiniMax?", k=3)
    assert (tmp_path / "b" / "keyword" / "CURRENT").read_text() == current  # no rebuild
    assert retriever.keyword.search("quillfeather", 5) == []

    news = write_jsonl(tmp_path / "news.jsonl", [QUILLFEATHER])
    assert ingest([str(news)], writer, embedder=real_embedder).added == 1
    deadline = time.monotonic() + 20
    while not retriever.keyword.search("quillfeather", 5):
        # Rebuilds are spaced out (10x the last one's duration): a few queries may pass first.
        assert time.monotonic() < deadline, "the reader's keyword index never caught up"
        retriever.retrieve("What colour will the footbridge be?", k=3)
        time.sleep(0.1)
    [top] = retriever.retrieve("Quillfeather footbridge", k=1)
    assert top.url == QUILLFEATHER["url"]
    assert_consistent(retriever.store, retriever.keyword)


def test_server_killed_during_ingest_then_rerun_completes(tmp_path: Path, real_embedder,
                                                          chroma_server):  # fmt: skip
    """Kill -9 the server after two batches: one `Error:` line, exit 1; start it again on the
    same folder and port and rerun: everything stored once, the keyword index in step."""
    records = [make_record(i, sentences=12) for i in range(24)]
    news = write_jsonl(tmp_path / "news.jsonl", records)
    index = tmp_path / "index"
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsrag", "ingest", str(news), "--index", str(index),
         "--batch-size", "8", "-v"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env=newsrag_env(NEWSRAG_CHROMA_URL=chroma_server.url),
    )  # fmt: skip
    assert proc.stderr is not None
    lines, written = [], 0
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("batch "):  # "batch 2: 4 articles, 8 chunks stored"
            written += int(line.split()[2])
        if line.startswith("batch 2:"):
            chroma_server.kill()
            break
    _, rest = proc.communicate(timeout=120)
    err = "".join(lines) + rest
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"Error: Lost the Chroma server at {chroma_server.url} while "), last
    assert last.endswith("rerun the command; what was stored before is kept.")

    chroma_server.start()  # same --path, same port
    settings = Settings.load(index=index, chroma_url=chroma_server.url, batch_size=8)
    store = VectorStore(settings, real_embedder.name)
    stored = store.articles()
    complete = sum(s.complete for s in stored.values())
    assert written <= complete < len(records)  # the batches reported stored are, not all
    report = ingest([str(news)], settings, embedder=real_embedder)
    assert report.failed == 0
    assert (report.unchanged, report.updated) == (complete, len(stored) - complete)
    assert report.added == len(records) - len(stored)
    assert set(store.articles()) == {r["id"] for r in records}
    assert_consistent(store, KeywordIndex(index / "keyword"))
    again = ingest([str(news)], settings, embedder=real_embedder)
    assert (again.unchanged, again.chunks) == (len(records), 0)


def test_instances_sharing_a_server_share_the_deals(tmp_path: Path, chroma_server):
    """One instance extracts; another, with its own index folder, lists the same deals without
    reading an article, and does not extract them again at its own ingest."""
    from rag.deals.forms import ScriptedForms
    from rag.deals.pipeline import update_deals
    from rag.deals.query import DealQuery, find_deals
    from rag.deals.storage import DealTable
    from tests.test_deals import ARTICLES, FORMS, _articles

    writer = Settings.load(index=tmp_path / "a", chroma_url=chroma_server.url,
                           embedding_model="fake")  # fmt: skip
    reader = Settings.load(index=tmp_path / "b", chroma_url=chroma_server.url,
                           embedding_model="fake")  # fmt: skip
    news = write_jsonl(tmp_path / "news.jsonl", ARTICLES)
    ingest([str(news)], writer)
    update_deals(_articles(ARTICLES), VectorStore(writer, "fake"), writer,
                 fill=ScriptedForms(FORMS))  # fmt: skip

    out = newsrag("deals", "--index", str(tmp_path / "b"), "--json", url=chroma_server.url)
    assert out.returncode == 0, out.stderr
    assert sorted(d["target"] for d in json.loads(out.stdout)) == ["Quintel Games", "Veldt AI"]
    fill = ScriptedForms(FORMS)
    report = update_deals(_articles(ARTICLES), VectorStore(reader, "fake"), reader, fill=fill)
    assert (report.read, report.skipped, fill.seen) == (0, 4, [])
    assert len(find_deals(DealTable(reader.index), DealQuery())) == 2
