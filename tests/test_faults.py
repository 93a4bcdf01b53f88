"""Bad input and misbehaving sources: one clear line each, nothing stored is lost."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.config import Settings
from rag.corpus import load
from rag.embeddings import FakeEmbedder
from rag.ingest import ingest
from rag.store import KeywordIndex, VectorStore
from rag.types import Article
from tests.conftest import ROOT, make_record, write_jsonl


def _ingest_cli(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **extra_env}
    return subprocess.run(
        [sys.executable, "-m", "newsrag", "ingest", *args, "--embedding-model", "fake"],
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
        result = _ingest_cli(url, "--index", str(tmp_path / "ix"), "--fetch-timeout", "2",
                             NEWSRAG_ALLOW_PRIVATE_URLS="127.0.0.1")  # fmt: skip
    finally:
        server.close()
    assert result.returncode == 1 and time.monotonic() - t0 < 60
    assert f"error: {url}: timed out after 2s" in result.stderr


# -- the index's disk: full, read-only ---------------------------------------------------------

DUMP = """
import json, sys
from pathlib import Path
from tests.conftest import dump_index
d = dump_index(Path(sys.argv[1]))
print(json.dumps({"chunks": {k: [doc, meta] for k, (doc, meta, _) in d["chunks"].items()},
                  "keyword_ids": d["keyword_ids"]}))
"""


def _dump(index: Path) -> dict:
    """Chunks (text, metadata) and keyword ids of an index, read by a fresh process."""
    out = subprocess.run([sys.executable, "-c", DUMP, str(index)], capture_output=True,
                         text=True, timeout=120, cwd=ROOT, check=True)  # fmt: skip
    return json.loads(out.stdout)


def _assert_whole(dump: dict) -> None:
    """Every article complete, no chunk twice, the keyword index covering exactly the chunks."""
    per_article: dict[str, list[dict]] = {}
    for meta in (m for _, m in dump["chunks"].values()):
        per_article.setdefault(meta["article_id"], []).append(meta)
    for metas in per_article.values():
        assert sorted(m["chunk_index"] for m in metas) == list(range(metas[0]["n_chunks"]))
        assert len({m["article_hash"] for m in metas}) == 1
    assert dump["keyword_ids"] == sorted(dump["chunks"])


def _only_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    [line] = [x for x in result.stderr.splitlines() if x.strip()]
    return line


class Tmpfs:
    """A tmpfs of our own: a disk that really fills up, or really turns read-only (root only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir()

    def mount(self, options: str) -> subprocess.CompletedProcess[str]:
        cmd = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(self.path)]
        return subprocess.run(cmd, capture_output=True, text=True)

    def remount(self, options: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{options}", str(self.path)], check=True)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Tmpfs]:
    """A 4 MB tmpfs mounted at tmp_path/disk, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("a really full disk needs root, to mount a small tmpfs")
    fs = Tmpfs(tmp_path / "disk")
    mounted = fs.mount("size=4m")
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield fs
    finally:
        subprocess.run(["umount", "-l", str(fs.path)], check=False)


def test_disk_full_is_one_line_and_loses_nothing(tmp_path: Path, tmpfs: Tmpfs):
    index = tmpfs.path / "ix"
    small = write_jsonl(tmp_path / "small.jsonl", [make_record(i) for i in range(5)])
    big = write_jsonl(tmp_path / "big.jsonl",
                      [make_record(i, seed=1, sentences=60) for i in range(300)])  # fmt: skip
    assert _ingest_cli(str(small), "--index", str(index)).returncode == 0
    before = _dump(index)

    line = _only_error_line(_ingest_cli(str(big), "--index", str(index), "--batch-size", "64"))
    assert line.startswith(f"Error: The index at {index}") and " MB free" in line, line
    assert line.endswith("then rerun the command; what was stored before is kept.") or (
        line.endswith("the index in use is unchanged.")
    ), line

    tmpfs.remount("size=64m")  # space freed
    after = _dump(index)
    assert {k: v for k, v in after["chunks"].items() if k in before["chunks"]} == before["chunks"]
    assert after["keyword_ids"] == before["keyword_ids"]  # the keyword index in use is untouched
    chunks_of: dict[str, set[int]] = {}
    for _, meta in after["chunks"].values():
        chunks_of.setdefault(meta["article_id"], set()).add(meta["chunk_index"])
    done = sum(len(c) == after["chunks"][f"{a}:0"][1]["n_chunks"] for a, c in chunks_of.items()
               if f"{a}:0" in after["chunks"])  # fmt: skip
    partial = len(chunks_of) - done
    rerun = _ingest_cli(str(big), str(small), "--index", str(index))
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.startswith(
        f"{305 - len(chunks_of)} added, {partial} updated, {done} unchanged, 0 failed"
    ), (rerun.stdout, done, partial)
    final = _dump(index)
    _assert_whole(final)
    assert len({m["article_id"] for _, m in final["chunks"].values()}) == 305


def test_read_only_index_is_one_line_and_loses_nothing(tmp_path: Path):
    if os.geteuid() == 0:  # root ignores file modes: make the file system itself read-only
        fs = Tmpfs(tmp_path / "disk")
        mounted = fs.mount("size=64m")
        if mounted.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
        index = fs.path / "ix"
    else:
        index = tmp_path / "ix"
    try:
        news = write_jsonl(tmp_path / "news.jsonl", [make_record(i) for i in range(3)])
        more = write_jsonl(tmp_path / "more.jsonl", [make_record(i, seed=2) for i in range(2)])
        assert _ingest_cli(str(news), "--index", str(index)).returncode == 0
        before = _dump(index)
        if os.geteuid() == 0:
            fs.remount("ro")
            reason = "Read-only file system"
        else:
            subprocess.run(["chmod", "-R", "a-w", str(index)], check=True)
            reason = "Permission denied"

        line = _only_error_line(_ingest_cli(str(more), "--index", str(index)))
        assert line == (
            f"Error: Cannot write to the index at {index} ({reason}): make it writable or pass "
            "another --index."
        )
        found = subprocess.run(
            [sys.executable, "-m", "newsrag", "search", "budget", "--index", str(index),
             "--embedding-model", "fake"],
            capture_output=True, text=True, timeout=120, cwd=ROOT,
        )  # fmt: skip
        if found.returncode:  # embedded Chroma may need to write even to read: then one line
            assert _only_error_line(found).startswith(f"Error: The index at {index}/chroma ")

        if os.geteuid() == 0:
            fs.remount("rw")
        else:
            subprocess.run(["chmod", "-R", "u+w", str(index)], check=True)
        assert _dump(index) == before
        again = _ingest_cli(str(more), "--index", str(index))
        assert again.returncode == 0 and again.stdout.startswith("2 added"), again.stderr
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(tmp_path / "disk")], check=False)


# -- the input: changing under the ingest, too big ---------------------------------------------


def test_a_corpus_file_rewritten_during_ingest(tmp_path: Path, settings: Settings):
    """Each file is read once, as a snapshot: the run stores the version it read, whole; the
    next run picks up the change, with no duplicates."""
    records = [make_record(i) for i in range(12)]
    f = write_jsonl(tmp_path / "news.jsonl", records)
    edited = {**records[0], "text": records[0]["text"] + "\n\nUpdate: the council reversed it."}

    def rewrite(n: int, articles: int, chunks: int) -> None:
        if n == 1:  # the first batch is stored, the rest not yet
            write_jsonl(f, [edited, *records[1:], make_record(12)])

    first = ingest([str(f)], settings, embedder=FakeEmbedder(), on_batch=rewrite)
    assert (first.added, first.failed) == (12, 0)
    store = VectorStore(settings, "fake")
    assert set(store.articles()) == {r["id"] for r in records}
    assert not any("reversed" in text for _, text, _ in store.all_chunks())

    second = ingest([str(f)], settings, embedder=FakeEmbedder())
    assert (second.added, second.updated, second.unchanged, second.failed) == (1, 1, 11, 0)
    states = store.articles()
    assert len(states) == 13 and all(s.complete for s in states.values())
    assert store.count() == sum(s.n_chunks for s in states.values())
    assert sum("reversed" in text for _, text, _ in store.all_chunks()) == 1
    keyword = KeywordIndex(settings.index / "keyword")
    assert sorted(keyword.ids()) == sorted(cid for cid, _, _ in store.all_chunks())


def test_a_corpus_file_caught_half_written(tmp_path: Path, settings: Settings):
    """A JSONL file read while its writer is mid-line: the cut line is one error, the rest is
    stored, and the run after the writer finishes adds the last article."""
    records = [make_record(i) for i in range(4)]
    whole = "".join(json.dumps(r) + "\n" for r in records)
    f = tmp_path / "news.jsonl"
    f.write_text(whole[: len(whole) - 300])
    first = ingest([str(f)], settings, embedder=FakeEmbedder())
    assert (first.added, first.failed) == (3, 1)
    assert str(first.errors[0]).startswith(f"{f}:4: malformed JSON")
    f.write_text(whole)
    second = ingest([str(f)], settings, embedder=FakeEmbedder())
    assert (second.added, second.unchanged, second.failed) == (1, 3, 0)
    assert set(VectorStore(settings, "fake").articles()) == {r["id"] for r in records}


def test_a_corpus_file_that_keeps_changing_while_read(tmp_path: Path, monkeypatch):
    """A file its writer is still appending to is not parsed half-read: it is read again, and
    after a few tries reported; once the writer is done it is read whole.

    The writer is a hook on each read pass that appends a line, so the file provably changes
    while every pass reads it (a writer thread racing the reader was flaky on a busy machine).
    """
    import rag.corpus

    f = write_jsonl(tmp_path / "news.jsonl", [make_record(i, sentences=80) for i in range(50)])
    read_pass = rag.corpus._jsonl_pass
    appended = []

    def pass_while_written(path: Path, opts: object) -> object:
        found = read_pass(path, opts)
        with open(f, "a") as fh:
            fh.write(json.dumps(make_record(1000 + len(appended), sentences=4)) + "\n")
        appended.append(path)
        return found

    monkeypatch.setattr(rag.corpus, "_jsonl_pass", pass_while_written)
    items = list(load([str(f)]))
    assert [str(i) for i in items] == [
        f"{f}: the file kept changing while it was read: run again once it is written"
    ]
    assert len(appended) == rag.corpus.READ_TRIES
    monkeypatch.setattr(rag.corpus, "_jsonl_pass", read_pass)  # the writer is done
    lines = len(f.read_text().splitlines())
    items = list(load([str(f)]))
    assert len(items) == lines and all(isinstance(i, Article) for i in items)


# VmHWM, not getrusage's ru_maxrss: Linux carries the parent's peak over a fork and exec into
# ru_maxrss, so a child of a large pytest process would report pytest's size.
PEAK_MEMORY = """
import atexit, re, sys
def _peak():
    status = open("/proc/self/status").read()
    print("maxrss_kb", re.search(r"VmHWM:\\s+(\\d+)", status).group(1), file=sys.stderr)
atexit.register(_peak)
sys.argv[0] = "newsrag"
from newsrag.cli import main
main()
"""


def test_a_50_mb_article_is_refused_quickly_naming_the_limit(tmp_path: Path, settings: Settings):
    folder = tmp_path / "in"
    folder.mkdir()
    text = "The council met again on Tuesday to discuss the budget for the bridge. " * 720_000
    size = len(text.encode()) / 1e6
    assert size > 50
    (folder / "huge.txt").write_text(text)
    write_jsonl(folder / "huge.jsonl", [{**make_record(0), "text": text}, make_record(1)])
    write_jsonl(folder / "good.jsonl", [make_record(2)])
    t0 = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY, "ingest", str(folder), "--index",
         str(settings.index), "--embedding-model", "fake"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    seconds = time.monotonic() - t0
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    limit = "over the 10 MB limit (NEWSRAG_MAX_ARTICLE_MB)"
    assert errors == [
        f"error: {folder / 'huge.jsonl'}:1: field 'text' is {size:.3g} MB, {limit}",
        f"error: {folder / 'huge.txt'}: the article file is {size:.3g} MB, {limit}",
    ]
    assert result.stdout.startswith("2 added, 0 updated, 0 unchanged, 2 failed")
    stored = VectorStore(settings, "fake").articles()
    assert set(stored) == {make_record(1)["id"], make_record(2)["id"]}
    peak_mb = int(result.stderr.split("maxrss_kb")[-1]) / 1024
    assert seconds < 60 and peak_mb < 512, (seconds, peak_mb)


def test_the_article_size_limit_is_a_setting(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("NEWSRAG_MAX_ARTICLE_MB", "0.002")
    settings = Settings.load(index=tmp_path / "index", embedding_model="fake")
    news = write_jsonl(tmp_path / "news.jsonl", [make_record(0, sentences=4), make_record(1)])
    report = ingest([str(news)], settings, embedder=FakeEmbedder())
    assert (report.added, report.failed) == (1, 1)
    assert str(report.errors[0]).endswith("over the 0.002 MB limit (NEWSRAG_MAX_ARTICLE_MB)")
