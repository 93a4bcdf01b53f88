"""The BM25 keyword index (bm25s) over the stored chunks, kept in step with Chroma.

It is derived from Chroma and stamped with the fingerprint of the articles it covers; when the
stamp and Chroma disagree (a killed ingest, another client writing to a Chroma server) it is
rebuilt. Checking the fingerprint means reading every chunk's metadata, so queries check
something cheaper first: the store's write generation, which the index records too. A query
that finds another generation (another newsrag instance ingested into the same server)
rebuilds the keyword index before searching it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from rag.store.articles import ArticleState, article_states, fingerprint
from rag.store.chroma import VectorStore
from rag.store.errors import StoreError, free_mb
from rag.store.locks import Busy, directory_lock

CHECK_EVERY = 1.0  # seconds between two looks at the collection's write generation
REBUILD_SPACING = 10.0  # a query-time keyword rebuild waits this many times the last one's duration
READ_TRIES = 5  # times a keyword index reader reads CURRENT again when the folder it named is gone

T = TypeVar("T")

log = logging.getLogger(__name__)


class KeywordWriteError(StoreError):
    """The keyword index could not be written; the one in use is unchanged."""


class KeywordIndex:
    """A BM25 index (bm25s) over the stored chunks, saved under `<index>/keyword/`.

    Each build goes into a fresh folder; the `CURRENT` file, replaced atomically, names the one
    in use, with the fingerprint and the store generation it was built from, so a killed build
    never leaves a half-written index in use. A build keeps the folder it replaces, for readers
    that read `CURRENT` just before the switch, and removes the older ones; a reader that finds
    its folder gone all the same (two builds in between) reads `CURRENT` again.
    """

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self._cache: tuple[str, Any, list[str]] | None = None
        self._next_rebuild = 0.0  # monotonic time before which `refresh` does not rebuild
        self._next_check = 0.0  # ... and before which it does not even look

    @property
    def _current(self) -> Path:
        return self.dir / "CURRENT"

    def _read_current(self) -> dict[str, Any]:
        try:
            current = json.loads(self._current.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return current if isinstance(current, dict) else {}

    def fingerprint(self) -> str | None:
        return self._read_current().get("fingerprint")

    def generation(self) -> str | None:
        """Return the store generation this index was built or last checked at."""
        return self._read_current().get("generation")

    def _write_current(self, current: dict[str, Any]) -> None:
        tmp = self.dir / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(current))
        os.replace(tmp, self._current)

    def restamp(self, generation: str) -> None:
        """Record that the index in use still matches the store at `generation`."""
        current = self._read_current()
        if current:
            try:
                self._write_current({**current, "generation": generation})
            except OSError as exc:
                raise self._unwritable(exc) from None

    def _unwritable(self, exc: OSError) -> KeywordWriteError:
        return KeywordWriteError(
            f"Cannot write the keyword index at {self.dir} ({exc.strerror or exc}; "
            f"{free_mb(self.dir):.1f} MB free): free some space or make it writable, then "
            "rerun the command; the index in use is unchanged."
        )

    def build(
        self,
        store: VectorStore,
        fp: str,
        generation: str = "",
        rows: Iterable[tuple[str, str, dict[str, Any]]] | None = None,
    ) -> int:
        """Rebuild from every chunk in `store` (or `rows`, all of them already read from it).

        Returns:
            The number of chunks indexed.
        """
        import bm25s

        ids, texts = [], []
        for cid, text, meta in store.all_chunks() if rows is None else rows:
            ids.append(cid)
            texts.append(f"{meta.get('title', '')}\n{text}")
        name = f"bm25-{fp}-{uuid.uuid4().hex[:8]}"
        target = self.dir / name
        previous = self._read_current().get("dir")
        try:
            target.mkdir(parents=True)
            if texts:
                retriever = bm25s.BM25()
                retriever.index(
                    bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False
                )
                retriever.save(str(target), show_progress=False)
            (target / "ids.json").write_text(json.dumps(ids))
            self._write_current(
                {"fingerprint": fp, "dir": name, "chunks": len(ids), "generation": generation}
            )
        except OSError as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise self._unwritable(exc) from None
        for old in self.dir.iterdir():
            if old.name not in (name, previous, "CURRENT"):
                shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
        return len(ids)

    def sync(
        self,
        store: VectorStore,
        states: dict[str, ArticleState] | None = None,
        generation: str | None = None,
    ) -> bool:
        """Rebuild if this index does not cover exactly what the store holds; True if rebuilt.

        `states` is `store.articles()` and `generation` `store.generation()` read before it,
        when the caller already has them up to date. Otherwise the chunks are read once, for
        both the fingerprint and the rebuild (a sync without states mostly follows a write).
        """
        rows = None
        if states is None or generation is None:
            generation = store.generation()  # first: a write after this read shows next time
            rows = list(store.all_chunks())
            states = article_states(meta for _, _, meta in rows)
        fp = fingerprint(states)
        if self.fingerprint() != fp:
            self.build(store, fp, generation, rows)
            return True
        if self.generation() != generation:
            self.restamp(generation)
        return False

    def refresh(self, store: VectorStore, index: Path) -> None:
        """Catch up with writes by others (another instance on the same Chroma server).

        Looks at most once every CHECK_EVERY seconds (one small read of the collection's
        metadata). The rebuild is skipped while an ingest holds `index`'s lock (it rebuilds
        when it ends), and waits REBUILD_SPACING times the last rebuild's duration after it, so
        that a long ingest elsewhere does not turn every query into a rebuild.
        """
        if time.monotonic() < self._next_check:
            return
        self._next_check = time.monotonic() + CHECK_EVERY
        generation = store.generation()
        if generation == self.generation() or time.monotonic() < self._next_rebuild:
            return
        start = time.monotonic()
        try:
            with directory_lock(index, Busy()):
                self.sync(store)
        except Busy:
            return  # an ingest is writing to this index; it rebuilds the keyword index at the end
        except (OSError, KeywordWriteError) as exc:
            log.warning("keyword index under %s not refreshed: %s", index, exc)
        self._next_rebuild = time.monotonic() + REBUILD_SPACING * (time.monotonic() - start)

    def _in_use(self, read: Callable[[dict[str, Any], Path], T]) -> T | None:
        """Return `read(CURRENT, folder it names)`, or None when no index was built yet.

        A folder that vanished under `read` was removed by builds that ended after CURRENT was
        read: CURRENT then names a newer folder, which is read instead.
        """
        gone = None
        for _ in range(READ_TRIES):
            try:
                current = json.loads(self._current.read_text())
            except FileNotFoundError:
                return None
            try:
                return read(current, self.dir / current["dir"])
            except FileNotFoundError:
                if current["dir"] == gone:
                    raise  # CURRENT itself names a folder that is not there
                gone = current["dir"]
        raise StoreError(
            f"The keyword index at {self.dir} kept changing while it was read: run the "
            "command again."
        )

    def ids(self) -> list[str]:
        """Return the chunk ids in the index currently in use."""
        ids = self._in_use(lambda _, folder: json.loads((folder / "ids.json").read_text()))
        return ids or []

    def _load(self) -> tuple[Any, list[str]] | None:
        """Return the BM25 model and chunk ids in use, loading them only when CURRENT changed."""
        import bm25s

        def read(current: dict[str, Any], folder: Path) -> tuple[str, Any, list[str]] | None:
            if not current["chunks"]:
                return None
            if self._cache is not None and self._cache[0] == folder.name:
                return self._cache
            ids = json.loads((folder / "ids.json").read_text())
            return folder.name, bm25s.BM25.load(str(folder)), ids

        loaded = self._in_use(read)
        if loaded is None:
            return None
        self._cache = loaded
        return loaded[1], loaded[2]

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Return up to `k` (chunk id, BM25 score) pairs, best first."""
        import bm25s

        loaded = self._load()
        if loaded is None:
            return []
        retriever, ids = loaded
        # Query words as strings: they are looked up in the index's own vocabulary.
        words = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)
        words = [[w for w in words[0] if w in retriever.vocab_dict]]
        if not words[0]:
            return []
        docs, scores = retriever.retrieve(words, k=min(k, len(ids)), show_progress=False)
        return [(ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]
