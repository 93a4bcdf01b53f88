from __future__ import annotations

import json
from pathlib import Path

from rag.config import Settings
from rag.embeddings import FakeEmbedder
from rag.ingest import ingest
from rag.store import KeywordIndex, VectorStore
from tests.conftest import dump_index, make_record, write_jsonl


def run(inputs, settings: Settings, **kw):
    return ingest([str(i) for i in inputs], settings, embedder=FakeEmbedder(), **kw)


def check_consistent(settings: Settings) -> dict:
    """Vector and keyword indexes hold the same chunks, and every article is complete."""
    dump = dump_index(settings.index)
    assert dump["keyword_ids"] == sorted(dump["chunks"])
    states = VectorStore(settings, "fake").articles()
    assert all(s.complete for s in states.values())
    return dump


def test_reingesting_unchanged_articles_writes_nothing(tmp_path: Path, settings: Settings):
    f = write_jsonl(tmp_path / "a.jsonl", [make_record(i) for i in range(12)])
    first = run([f], settings)
    assert (first.added, first.updated, first.unchanged, first.failed) == (12, 0, 0, 0)
    assert first.chunks == len(check_consistent(settings)["chunks"]) > 12
    embedder = FakeEmbedder()
    again = ingest([str(f)], settings, embedder=embedder)
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 12, 0)
    assert embedder.calls == 0


def test_every_chunk_carries_the_article_metadata(tmp_path: Path, settings: Settings):
    recs = [make_record(i) for i in range(3)]
    run([write_jsonl(tmp_path / "a.jsonl", recs)], settings)
    by_url = {r["url"]: r for r in recs}
    for doc, meta, _ in dump_index(settings.index)["chunks"].values():
        rec = by_url[meta["url"]]
        assert meta["article_id"] == rec["id"]
        assert (meta["title"], meta["source"], meta["published"]) == (
            rec["title"],
            rec["source"],
            rec["published"],
        )
        assert json.loads(meta["authors"]) == rec["authors"]
        assert meta["published_day"] == int(rec["published"].replace("-", ""))
        assert rec["text"][meta["start"] : meta["end"]] == doc


def test_changed_article_replaces_its_old_chunks(tmp_path: Path, settings: Settings):
    recs = [make_record(i, sentences=40) for i in range(5)]
    f = write_jsonl(tmp_path / "a.jsonl", recs)
    run([f], settings)
    before = check_consistent(settings)["chunks"]
    recs[2] = {**recs[2], "text": "The harbour bridge closed for repairs on Monday. " * 5}
    write_jsonl(f, recs)
    report = run([f], settings)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 4)
    after = check_consistent(settings)["chunks"]
    changed = {k: v for k, v in after.items() if v[1]["article_id"] == recs[2]["id"]}
    assert len(changed) == 1 and "harbour bridge closed" in next(iter(changed.values()))[0]
    # The other articles' chunks are untouched.
    assert {k: v for k, v in after.items() if k not in changed} == {
        k: v for k, v in before.items() if v[1]["article_id"] != recs[2]["id"]
    }
    store = VectorStore(settings, "fake")
    top = store.search(FakeEmbedder().embed(["harbour bridge closed repairs"])[0], 1)
    assert top[0].article_id == recs[2]["id"]


def test_prune_removes_articles_missing_from_the_input(tmp_path: Path, settings: Settings):
    recs = [make_record(i) for i in range(6)]
    f = write_jsonl(tmp_path / "a.jsonl", recs)
    run([f], settings)
    write_jsonl(f, recs[:4])
    kept = run([f], settings)
    assert kept.removed == 0
    assert len(VectorStore(settings, "fake").articles()) == 6
    pruned = run([f], settings, prune=True)
    assert (pruned.removed, pruned.unchanged, pruned.chunks) == (2, 4, 0)
    ids = set(VectorStore(settings, "fake").articles())
    assert ids == {r["id"] for r in recs[:4]}
    check_consistent(settings)


def test_malformed_line_fails_loudly_and_keeps_what_was_stored(tmp_path: Path, settings: Settings):
    recs = [make_record(i) for i in range(5)]
    f = write_jsonl(tmp_path / "a.jsonl", recs)
    run([f], settings)
    before = dump_index(settings.index)
    lines = f.read_text().splitlines()
    lines[3] = lines[3][:40]  # truncated JSON where a stored article was
    f.write_text("\n".join(lines) + "\n")
    seen = []
    report = run([f], settings, on_error=seen.append, prune=False)
    assert report.failed == 1 and [e.where for e in seen] == [f"{f}:4"]
    assert (report.unchanged, report.removed, report.chunks) == (4, 0, 0)
    assert dump_index(settings.index) == before


def test_editing_a_file_without_url_replaces_its_old_version(tmp_path: Path, settings: Settings):
    d = tmp_path / "notes"
    d.mkdir()
    (d / "a.md").write_text("# Council vote\n\nThe council voted to build a new library.\n")
    (d / "b.md").write_text("# Storm\n\nA storm closed the airport for a day.\n")
    run([d], settings)
    (d / "a.md").write_text("# Council vote\n\nThe council voted against the new library.\n")
    report = run([d], settings)
    assert (report.added, report.removed, report.unchanged) == (1, 1, 1)
    texts = sorted(doc for doc, _, _ in check_consistent(settings)["chunks"].values())
    assert texts == [
        "A storm closed the airport for a day.",
        "The council voted against the new library.",
    ]


def test_half_written_article_is_repaired(tmp_path: Path, settings: Settings):
    recs = [make_record(i, sentences=40) for i in range(3)]
    f = write_jsonl(tmp_path / "a.jsonl", recs)
    run([f], settings)
    full = dump_index(settings.index)
    store = VectorStore(settings, "fake")
    victim = next(k for k, v in full["chunks"].items() if v[1]["chunk_index"] == 1)
    store.collection.delete(ids=[victim])  # as if killed between two writes
    assert not all(s.complete for s in store.articles().values())
    report = run([f], settings)
    assert (report.updated, report.unchanged) == (1, 2)
    assert dump_index(settings.index) == full


def test_keyword_index_follows_the_store(tmp_path: Path, settings: Settings):
    recs = [make_record(i) for i in range(4)]
    recs[1]["text"] += "\n\nThe zeppelin landed in Friedrichshafen."
    run([write_jsonl(tmp_path / "a.jsonl", recs)], settings)
    keyword = KeywordIndex(settings.index / "keyword")
    [(cid, score)] = keyword.search("zeppelin Friedrichshafen", 1)
    assert cid.startswith(recs[1]["id"]) and score > 0
    assert keyword.search("", 3) == [] and keyword.search("the of and", 3) == []


def test_prune_keeps_articles_whose_file_failed_to_load(tmp_path: Path, settings: Settings):
    recs = [make_record(i) for i in range(4)]
    f = write_jsonl(tmp_path / "a.jsonl", recs)
    g = write_jsonl(tmp_path / "b.jsonl", [make_record(9)])
    run([f, g], settings)
    lines = f.read_text().splitlines()
    lines[1] = "{broken"
    f.write_text("\n".join(lines) + "\n")
    g.unlink()
    report = run([f], settings, prune=True)
    assert (report.failed, report.removed) == (1, 1)  # b.jsonl's article is gone from the input
    ids = set(VectorStore(settings, "fake").articles())
    assert ids == {r["id"] for r in recs}  # the article on the broken line survives


def test_the_same_file_under_another_spelling_is_the_same_origin(
    tmp_path: Path, settings: Settings, monkeypatch
):
    (tmp_path / "a.md").write_text("# Vote\n\nThe council voted yes.\n")
    run([tmp_path / "a.md"], settings)
    (tmp_path / "a.md").write_text("# Vote\n\nThe council voted no.\n")
    monkeypatch.chdir(tmp_path)
    report = run(["a.md"], settings)
    assert (report.added, report.removed) == (1, 1)
    assert [d for d, _, _ in dump_index(settings.index)["chunks"].values()] == [
        "The council voted no."
    ]


def test_chunks_stored_by_earlier_versions_as_documents_are_still_read(
    tmp_path: Path, settings: Settings
):
    """Before the text moved into the metadata, it was the Chroma document."""
    from rag.store import TEXT

    run([write_jsonl(tmp_path / "a.jsonl", [make_record(i) for i in range(3)])], settings)
    store = VectorStore(settings, "fake")
    got = store.collection.get(include=["metadatas", "embeddings"])
    old = {cid: meta.pop(TEXT) for cid, meta in zip(got["ids"], got["metadatas"])}
    store.collection.delete(ids=got["ids"])
    store.collection.add(
        ids=got["ids"],
        embeddings=got["embeddings"],
        metadatas=got["metadatas"],
        documents=[old[cid] for cid in got["ids"]],
    )
    assert {cid: text for cid, text, _ in store.all_chunks()} == old
    passages = store.get(list(old))
    assert [p.text for p in passages] == [old[cid] for cid in old]
    top = store.search(FakeEmbedder().embed([old[got["ids"][0]]])[0], 1)
    assert top[0].text == old[got["ids"][0]]


def test_chunking_ahead_hands_on_errors_and_stops_with_its_consumer():
    import threading

    import pytest

    from rag.ingest import _ahead

    def failing():
        yield 1
        yield 2
        raise ValueError("bad article")

    got = []
    with pytest.raises(ValueError, match="^bad article$"):
        for x in _ahead(failing(), 1):
            got.append(x)
    assert got == [1, 2]  # the items before the error, then the error

    produced = []

    def endless():
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    for x in _ahead(endless(), 2):
        if x == 3:
            break
    assert len(produced) <= 3 + 1 + 2 + 1  # consumed, queued, one being put
    assert not any(t.name == "newsrag-chunker" for t in threading.enumerate())


def test_a_model_that_fails_to_load_stops_the_ingest_before_anything_is_stored(
    tmp_path: Path, settings: Settings
):
    import pytest

    from rag.embeddings import MissingModelError

    class Broken(FakeEmbedder):
        def load(self) -> None:
            raise MissingModelError("Cannot load embedding model /nowhere: no config.json")

    f = write_jsonl(tmp_path / "a.jsonl", [make_record(i) for i in range(30)])
    with pytest.raises(MissingModelError, match="/nowhere"):
        ingest([str(f)], settings, embedder=Broken())
    assert VectorStore(settings, "fake").count() == 0
    assert run([f], settings).added == 30  # and a working model then stores everything


def _vector_lag(settings: Settings) -> dict[str, int]:
    """Per collection: log records the saved vector graph lacks (read from Chroma's own tables).

    A process that opens the collection inserts those again, in an order of its own.
    """
    import sqlite3

    db = sqlite3.connect(settings.index / "chroma" / "chroma.sqlite3")
    try:
        rows = db.execute(
            "SELECT s.collection, s.scope, COALESCE(m.seq_id, 0) FROM segments s "
            "LEFT JOIN max_seq_id m ON m.segment_id = s.id"
        ).fetchall()
    finally:
        db.close()
    seqs: dict[str, dict[str, int]] = {}
    for collection, scope, seq in rows:
        seqs.setdefault(collection, {})[scope] = seq
    return {c: s["METADATA"] - s["VECTOR"] for c, s in seqs.items()}


def test_ingest_saves_the_vector_graph_whole(tmp_path: Path, settings: Settings, monkeypatch):
    f = write_jsonl(tmp_path / "a.jsonl", [make_record(i) for i in range(12)])
    with monkeypatch.context() as m:
        m.setattr(VectorStore, "settle", lambda self: None)
        run([f], settings)
    lag = _vector_lag(settings)
    assert lag and all(n > 0 for n in lag.values())  # Chroma alone leaves the graph behind
    assert VectorStore(settings, "fake").settle() is None
    assert set(_vector_lag(settings).values()) == {0}

    # A settle killed midway leaves its threshold of 1 behind; the next one restores Chroma's.
    VectorStore(settings, "fake").collection.modify(configuration={"hnsw": {"sync_threshold": 1}})
    write_jsonl(f, [{**make_record(i), "text": make_record(i, seed=1)["text"]} for i in range(12)])
    report = run([f], settings)
    assert report.updated == 12 and not report.warnings
    assert set(_vector_lag(settings).values()) == {0}
    check_consistent(settings)
    config = VectorStore(settings, "fake").collection.configuration
    assert config["hnsw"]["sync_threshold"] == 1000


def test_a_failed_settle_is_a_warning_and_keeps_the_articles(
    tmp_path: Path, settings: Settings, monkeypatch
):
    import rag.store.settle

    monkeypatch.setattr(rag.store.settle, "settle", lambda path: "the disk is full")
    f = write_jsonl(tmp_path / "a.jsonl", [make_record(i) for i in range(3)])
    seen: list = []
    report = run([f], settings, on_error=seen.append)
    assert report.added == 3 and not report.errors
    assert report.warnings == seen and len(seen) == 1
    assert "the disk is full" in report.warnings[0].message
    assert report.warnings[0].where.endswith("chroma")
    check_consistent(settings)
