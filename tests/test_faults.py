"""Bad input and misbehaving sources: one clear line each, nothing stored is lost."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from rag.config import Settings
from rag.embeddings import FakeEmbedder
from rag.ingest import ingest
from rag.store import VectorStore
from tests.conftest import ROOT, make_record, write_jsonl


def _ingest_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "rag", "ingest", *args, "--embedding-model", "fake"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=env,
    )  # fmt: skip


def test_binary_junk_and_non_utf8_files_fail_alone(tmp_path: Path, settings: Settings):
    good = write_jsonl(tmp_path / "good.jsonl", [make_record(i) for i in range(3)])
    ingest([str(good)], settings, embedder=FakeEmbedder())
    (tmp_path / "junk.html").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "latin1.txt").write_bytes("The café reopened on Monday.".encode("latin-1"))
    result = _ingest_cli(str(tmp_path / "junk.html"), str(tmp_path / "latin1.txt"),
                         "--index", str(settings.index))  # fmt: skip
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: {tmp_path / 'junk.html'}: no article text found in the page",
        f"error: {tmp_path / 'latin1.txt'}: not UTF-8 text (byte 7)",
    ]
    assert len(VectorStore(settings, "fake").articles()) == 3  # nothing stored was touched


def test_a_feed_url_that_hangs_times_out(tmp_path: Path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    held: list[socket.socket] = []

    def accept_and_say_nothing() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept_and_say_nothing, daemon=True).start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/feed.xml"
    t0 = time.monotonic()
    try:
        result = _ingest_cli(url, "--index", str(tmp_path / "ix"), "--fetch-timeout", "2")
    finally:
        server.close()
    assert result.returncode == 1 and time.monotonic() - t0 < 60
    assert f"error: {url}: timed out after 2s" in result.stderr
