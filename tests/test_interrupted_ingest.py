"""Kill a real `newsrag ingest` process with SIGKILL mid-run; re-running must finish the job.

Uses the real embedding model and real subprocesses: this is the crash-safety guarantee.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import dump_index, make_record, write_jsonl

pytestmark = pytest.mark.slow


def newsrag(index: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "NEWSRAG_INDEX": str(index), "NEWSRAG_BATCH_SIZE": "16"}
    env.pop("NEWSRAG_EMBEDDING_MODEL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "newsrag", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(index: Path, *args: str) -> str:
    proc = newsrag(index, *args)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return out


def kill_after_batch(index: Path, inputs: Path, batch: int) -> None:
    proc = newsrag(index, "ingest", "-v", str(inputs))
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith(f"batch {batch}:"):
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "ingest finished before it could be killed"


def kill_after(index: Path, inputs: Path, seconds: float) -> None:
    proc = newsrag(index, "ingest", str(inputs))
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)


def assert_same_index(a: Path, b: Path) -> None:
    da, db = dump_index(a), dump_index(b)
    assert sorted(da["chunks"]) == sorted(db["chunks"])
    for cid, (doc, meta, emb) in da["chunks"].items():
        doc_b, meta_b, emb_b = db["chunks"][cid]
        assert (doc, meta) == (doc_b, meta_b), cid
        assert np.allclose(emb, emb_b, atol=1e-5), cid
    assert da["keyword_ids"] == db["keyword_ids"] == sorted(da["chunks"])


def test_sigkill_at_any_moment_then_rerun_equals_an_uninterrupted_run(tmp_path: Path):
    inputs = write_jsonl(tmp_path / "news.jsonl", [make_record(i, sentences=40) for i in range(40)])
    reference = tmp_path / "reference"
    t0 = time.perf_counter()
    out = finish(reference, "ingest", str(inputs))
    full_run = time.perf_counter() - t0
    assert "40 added" in out

    index = tmp_path / "killed"
    kill_after_batch(index, inputs, 2)  # right after a batch is stored
    partial = json.loads(finish(index, "stats", "--json"))
    assert 0 < partial["chunks"] < len(dump_index(reference)["chunks"])
    kill_after_batch(index, inputs, 3)  # again, on the partly built index
    for fraction in (0.55, 0.8):  # wherever it happens to be: mid-embedding, mid-write
        kill_after(index, inputs, full_run * fraction)
    out = finish(index, "ingest", str(inputs))
    assert ", 0 failed," in out
    assert_same_index(reference, index)

    again = finish(index, "ingest", str(inputs))
    assert "0 added, 0 updated, 40 unchanged" in again and "0 chunks written" in again
