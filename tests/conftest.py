"""Shared fixtures: deterministic articles, settings on a temporary index, a local web server."""

from __future__ import annotations

import functools
import gc
import hashlib
import http.server
import importlib.util
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REALTIMEQA = SHARED / "data" / "realtimeqa-2023q4"
CHROMIUM = "/usr/bin/chromium"  # Debian's; browser tests skip, saying so, without it
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip

_WORDS = [
    "government",
    "council",
    "budget",
    "minister",
    "election",
    "court",
    "ruling",
    "company",
    "shares",
    "market",
    "investors",
    "storm",
    "flooding",
    "hospital",
    "vaccine",
    "school",
    "teachers",
    "union",
    "strike",
    "police",
    "report",
    "officials",
    "city",
    "river",
    "bridge",
    "contract",
    "airline",
    "pilots",
    "energy",
    "prices",
    "wind",
    "solar",
    "factory",
    "workers",
    "trade",
    "tariff",
    "museum",
    "painting",
    "festival",
    "team",
    "coach",
    "season",
    "championship",
    "scientists",
    "telescope",
    "galaxy",
]


def make_record(i: int, seed: int = 0, sentences: int = 24) -> dict:
    """A deterministic fake news article in the RealtimeQA JSONL schema."""
    rng = random.Random(seed * 100_003 + i)
    paras = []
    for _ in range(max(1, sentences // 4)):
        sents = []
        for _ in range(4):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 22))]
            sents.append(" ".join(words).capitalize() + f" {rng.randint(1, 999)}.")
        paras.append(" ".join(sents))
    url = f"https://news.example.com/{seed}/story-{i}"
    return {
        "id": hashlib.sha1(url.encode()).hexdigest()[:16],
        "url": url,
        "title": f"Story {i}: {rng.choice(_WORDS)} {rng.choice(_WORDS)}",
        "published": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "source": "example.com",
        "authors": [f"Reporter {i % 5}"],
        "text": "\n\n".join(paras),
    }


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


# Tests of the chat, the command line and the eval follow the answer as it streams from one
# prompt: they read the sources together, at that path's own operating point on the refusal
# curve (0.09; docs/benchmarks.md). Reading each source on its own (the default,
# `Settings.read_each`, at 0.17) is tested where it is named: tests/test_answering.py and
# tests/test_ui.py with the scripted model, tests/test_real_answering.py with the local one,
# and tests/test_ui.py in the browser with the local one.
TOGETHER = {"NEWSRAG_READ_EACH": "0", "NEWSRAG_REFUSAL_THRESHOLD": "0.09"}


def _clear_newsrag_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [k for k in os.environ if k.startswith("NEWSRAG_")]:
        monkeypatch.delenv(name)
    for name, value in TOGETHER.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session", autouse=True)
def no_newsrag_environment_in_session() -> Iterator[None]:
    """Hide the developer's NEWSRAG_* variables from module- and session-scoped fixtures too."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _clear_newsrag_variables(monkeypatch)
        yield


@pytest.fixture(scope="module", autouse=True)
def release_chroma() -> Iterator[None]:
    """Close the Chroma databases a test module opened, once it is done with them.

    Each embedded Chroma client keeps about a dozen files open until its system is dropped;
    over the whole suite that passed 1,000 open files, which a laptop's default limit (1,024)
    does not allow and select() cannot watch.
    """
    yield
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    gc.collect()


@pytest.fixture(autouse=True)
def no_newsrag_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide NEWSRAG_* variables from each test (also any an earlier test left behind): each
    test sets the ones it needs."""
    _clear_newsrag_variables(monkeypatch)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a fresh index in a temporary folder, with the fake embedder."""
    return Settings.load(index=tmp_path / "index", embedding_model="fake", batch_size=8)


@pytest.fixture(scope="session")
def real_embedder():
    """The real all-MiniLM-L6-v2, loaded once per test session."""
    from rag.embeddings import get_embedder

    embedder = get_embedder("")
    embedder.load()  # now, not inside the first test's timing
    return embedder


@pytest.fixture
def shared() -> Path:
    if not REALTIMEQA.is_dir():
        pytest.skip(f"needs ../shared beside the repository ({REALTIMEQA} not found)")
    return SHARED


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving a temporary folder; yields (base URL, folder)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def dump_index(index: Path, collection: str = "newsrag") -> dict:
    """Everything stored in an index: chunks with text, metadata and vectors, and keyword ids."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from rag.store import KeywordIndex, stored_text

    client = chromadb.PersistentClient(
        path=str(index / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    got = client.get_collection(collection).get(include=["documents", "metadatas", "embeddings"])
    chunks = {
        cid: (stored_text(doc, meta), meta, tuple(float(x) for x in emb))
        for cid, doc, meta, emb in zip(
            got["ids"], got["documents"], got["metadatas"], got["embeddings"]
        )
    }
    return {"chunks": chunks, "keyword_ids": sorted(KeywordIndex(index / "keyword").ids())}


# -- `newsrag serve` as a real subprocess -------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def newsrag_env(**extra: str) -> dict[str, str]:
    """This environment without NEWSRAG_* variables, offline, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSRAG_")}
    env.update(TOGETHER)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
               ANONYMIZED_TELEMETRY="False", PYTHONUNBUFFERED="1", **extra)  # fmt: skip
    return env


def start_serve(
    index: Path, log: Path, env: dict[str, str], timeout: float = 150.0
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run `newsrag serve` on a free port until the generator is closed; yield (URL, process)."""
    port = free_port()
    cmd = [sys.executable, "-m", "newsrag", "serve", "--index", str(index), "--port", str(port)]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=out, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"newsrag serve exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"newsrag serve did not come up in {timeout:.0f} s:\n{log.read_text()}")
            time.sleep(0.5)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Chromium for browser tests (tests/test_ui.py, tests/test_deals_ui.py)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("browser tests need playwright: pip install -e '.[test]'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
