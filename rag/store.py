"""Chroma (vectors) and a BM25 keyword index kept in step with it.

Chroma is the single source of truth. Every chunk carries its article's id, content hash and
chunk count, so the state of each article can be read back from Chroma alone: an article is
indexed when all of its chunks are there with the current hash. That is what makes ingest
idempotent and safe to kill at any moment: a re-run sees the half-written article and redoes it.

The keyword index is derived from Chroma and stamped with a fingerprint of the articles it
covers; when the stamp and Chroma disagree (a killed ingest, another client writing to a
Chroma server) it is rebuilt. Checking the fingerprint means reading every chunk's metadata, so
queries check something cheaper first: every write bumps a generation number kept in the
collection's metadata, and the keyword index records the generation it was built at. A query
that finds another generation (another newsrag instance ingested into the same server) rebuilds
the keyword index before searching it.

Every failure of Chroma (a server gone, a full disk, a read-only folder) becomes a one-line
`StoreError` that names the server or folder and says what to do.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from rag.config import Settings
from rag.types import Article, Chunk, Passage

PAGE = 5000  # rows per Chroma read; below its max batch size
GENERATION = "newsrag_generation"  # collection metadata key, changed by every write
# A chunk's text is stored in its metadata under this key, not as a Chroma document: Chroma
# indexes documents for full-text search, which newsrag does not use (its keyword index is
# BM25), and that index was 40% of the cost of every write (bench/ingest.py). Chunks stored
# by earlier versions, with the text as their document, are still read.
TEXT = "text"
CHECK_EVERY = 1.0  # seconds between two looks at the collection's write generation
REBUILD_SPACING = 10.0  # a query-time keyword rebuild waits this many times the last one's duration
READ_TRIES = 5  # times a keyword index reader reads CURRENT again when the folder it named is gone

T = TypeVar("T")

log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """The index cannot be opened or used; the message says what to do."""


@contextmanager
def directory_lock(directory: Path, busy: Exception) -> Iterator[None]:
    """Hold an exclusive lock on `directory` (raising `busy` if another process holds it);
    the OS drops it if the process dies."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        fh.truncate(0)
        fh.write(str(os.getpid()))
        fh.flush()
        yield


@contextmanager
def index_lock(index: Path) -> Iterator[None]:
    """Hold the index's lock, so that two ingests never write to it at once."""
    busy = StoreError(f"Another newsrag ingest is writing to {index}: wait for it to finish.")
    with ExitStack() as stack:
        try:
            stack.enter_context(directory_lock(index, busy))
        except OSError as exc:
            raise StoreError(
                f"Cannot write to the index at {index} ({exc.strerror or exc}): make it "
                "writable or pass another --index."
            ) from None
        yield


class KeywordWriteError(StoreError):
    """The keyword index could not be written; the one in use is unchanged."""


class _Busy(Exception):
    """Another process holds the lock."""


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


@dataclass
class ArticleState:
    """What Chroma holds for one article."""

    hash: str
    n_chunks: int
    origin: str
    id_from_url: bool
    source: str | None = None
    published: str | None = None
    chunks: set[int] = field(default_factory=set)
    hashes: set[str] = field(default_factory=set)

    @property
    def complete(self) -> bool:
        """All chunks present and all from the same version of the article."""
        return len(self.hashes) == 1 and self.chunks == set(range(self.n_chunks))


def _metadata(chunk: Chunk, n_chunks: int) -> dict[str, Any]:
    a = chunk.article
    meta: dict[str, Any] = {
        "article_id": a.id,
        "article_hash": a.content_hash,
        "chunk_index": chunk.index,
        "n_chunks": n_chunks,
        "start": chunk.start,
        "end": chunk.end,
        "title": a.title,
        "url": a.url or "",
        "source": a.source or "",
        "published": a.published or "",
        "authors": json.dumps(list(a.authors), ensure_ascii=False),
        "origin": a.origin,
        "id_from_url": a.id_from_url,
    }
    if a.published:
        # A number for date-range filters ($gte/$lte): 2023-10-31 -> 20231031.
        meta["published_day"] = int(a.published[:10].replace("-", ""))
    return meta


def stored_text(document: str | None, meta: dict[str, Any]) -> str:
    """A stored chunk's text: in its metadata, or its document if an earlier version stored it."""
    return str(meta.get(TEXT) or document or "")


def _passage(
    chunk_id: str, text: str, meta: dict[str, Any], score: float, similarity: float = 0.0
) -> Passage:
    return Passage(
        chunk_id=chunk_id,
        article_id=str(meta["article_id"]),
        text=text,
        score=score,
        title=str(meta.get("title", "")),
        url=str(meta.get("url") or "") or None,
        source=str(meta.get("source") or "") or None,
        published=str(meta.get("published") or "") or None,
        authors=tuple(json.loads(str(meta.get("authors") or "[]"))),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        similarity=similarity,
    )


def _backend_error(exc: BaseException) -> bool:
    """Tell whether `exc` comes from Chroma, its HTTP client or the file system."""
    module = type(exc).__module__.split(".")[0]
    return isinstance(exc, OSError) or module in ("chromadb", "httpx")


def _free_mb(path: Path) -> float:
    """Free space on the disk that holds `path` (or its nearest existing parent), in MB."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free / 1e6


class VectorStore:
    """The Chroma collection of chunks, embedded or on a `chroma run` server."""

    def __init__(self, settings: Settings, model_name: str) -> None:
        self.settings = settings
        self.model_name = model_name

    @property
    def location(self) -> str:
        if self.settings.chroma_url:
            return self.settings.chroma_url
        return str(self.settings.index / "chroma")

    def _failure(self, exc: BaseException, doing: str) -> StoreError:
        """Explain in one line a Chroma failure while `doing` something, and what to do."""
        reason = _one_line(getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)
        url = self.settings.chroma_url
        if url and type(exc).__module__.startswith("httpx"):
            return StoreError(
                f"Lost the Chroma server at {url} while {doing} ({type(exc).__name__}: {reason}): "
                "start it again (`chroma run --path DIR`) and rerun the command; what was stored "
                "before is kept."
            )
        if url:
            return StoreError(
                f"The Chroma server at {url} failed while {doing} ({reason}): check its disk "
                "and log, then rerun the command; what was stored before is kept."
            )
        path = self.settings.index / "chroma"
        return StoreError(
            f"The index at {path} failed while {doing} ({reason}; {_free_mb(path):.1f} MB free "
            "on its disk): free some space or make the folder writable, then rerun the command; "
            "what was stored before is kept."
        )

    @contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        """Turn a Chroma, HTTP or file-system failure inside the block into a StoreError."""
        try:
            yield
        except Exception as exc:
            if not _backend_error(exc):
                raise
            raise self._failure(exc, doing) from exc

    @cached_property
    def client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        url = self.settings.chroma_url
        if not url:
            path = self.settings.index / "chroma"
            with self._guard("opening it"):
                path.mkdir(parents=True, exist_ok=True)
                return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise StoreError(
                f"NEWSRAG_CHROMA_URL={url!r} is not an http(s):// URL (e.g. http://127.0.0.1:8000)."
            )
        try:
            client = chromadb.HttpClient(
                host=parsed.hostname,
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreError(
                f"Cannot reach the Chroma server at {url} ({type(exc).__name__}): start it with "
                "`chroma run --path DIR` or unset NEWSRAG_CHROMA_URL to use the embedded database."
            ) from exc
        return client

    @cached_property
    def collection(self) -> Any:
        with self._guard("opening the collection"):
            coll = self.client.get_or_create_collection(
                self.settings.collection,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": self.model_name},
                embedding_function=None,
            )
        built_with = (coll.metadata or {}).get("embedding_model")
        if built_with and built_with != self.model_name:
            raise StoreError(
                f"The index at {self.location} was built with embedding model {built_with!r}, "
                f"not {self.model_name!r}: use another --index or NEWSRAG_COLLECTION."
            )
        return coll

    def count(self) -> int:
        with self._guard("counting chunks"):
            return int(self.collection.count())

    def generation(self) -> str:
        """Return the collection's write generation, read afresh (one cheap request)."""
        with self._guard("reading the collection"):
            return str(self._fresh_metadata().get(GENERATION, ""))

    def _fresh_metadata(self) -> dict[str, Any]:
        """The collection's metadata as it is now (the cached collection's copy may be old)."""
        _ = self.collection  # created if missing
        coll = self.client.get_collection(self.settings.collection, embedding_function=None)
        return dict(coll.metadata or {})

    def _bump(self) -> None:
        """Give the collection a new write generation, so that readers notice the change."""
        with self._guard("storing chunks"):
            meta = self._fresh_metadata()
            meta[GENERATION] = uuid.uuid4().hex
            self.collection.modify(metadata=meta)

    def _pages(self, include: list[str]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            with self._guard("reading chunks"):
                page = self.collection.get(include=include, limit=PAGE, offset=offset)
            if not page["ids"]:
                return
            yield page
            offset += len(page["ids"])

    def articles(self) -> dict[str, ArticleState]:
        """Read back, from the chunks' metadata, what is stored for each article."""
        return article_states(
            meta for page in self._pages(["metadatas"]) for meta in page["metadatas"]
        )

    def all_chunks(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Yield (chunk id, text, metadata) for every stored chunk."""
        for page in self._pages(["documents", "metadatas"]):
            for cid, doc, meta in zip(page["ids"], page["documents"], page["metadatas"]):
                yield cid, stored_text(doc, meta), meta

    def replace(
        self,
        articles: Sequence[Article],
        chunks: Sequence[Chunk],
        vectors: Sequence[Sequence[float]] | np.ndarray,
    ) -> None:
        """Drop whatever is stored for `articles`, then store their new chunks."""
        self._delete([a.id for a in articles])
        counts: dict[str, int] = {}
        for c in chunks:
            counts[c.article.id] = counts.get(c.article.id, 0) + 1
        with self._guard("storing chunks"):
            step = self.client.get_max_batch_size()
            array = np.asarray(vectors, dtype=np.float32)  # Chroma checks arrays much faster
            for i in range(0, len(chunks), step):
                part = chunks[i : i + step]
                self.collection.add(
                    ids=[c.id for c in part],
                    embeddings=array[i : i + step],
                    metadatas=[{**_metadata(c, counts[c.article.id]), TEXT: c.text} for c in part],
                )
        self._bump()

    def delete(self, article_ids: Sequence[str]) -> None:
        """Drop every chunk of these articles."""
        if article_ids:
            self._delete(article_ids)
            self._bump()

    def _delete(self, article_ids: Sequence[str]) -> None:
        with self._guard("deleting chunks"):
            for i in range(0, len(article_ids), 500):
                part = list(article_ids[i : i + 500])
                self.collection.delete(where={"article_id": {"$in": part}})

    def search(
        self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[Passage]:
        """Return the `k` chunks nearest to `vector`, best first; score is cosine similarity."""
        with self._guard("searching"):
            res = self.collection.query(
                query_embeddings=[list(vector)],
                n_results=k,
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        return [
            _passage(cid, stored_text(doc, meta), meta, 1.0 - float(dist), 1.0 - float(dist))
            for cid, doc, meta, dist in zip(
                res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0]
            )
        ]

    def get(
        self,
        ids: Sequence[str],
        where: dict[str, Any] | None = None,
        vector: Sequence[float] | None = None,
    ) -> list[Passage]:
        """Return the chunks with these ids that match `where`, in the order of `ids`.

        With `vector`, each passage's `similarity` is its cosine similarity to it.
        """
        if not ids:
            return []
        include = ["documents", "metadatas"] + (["embeddings"] if vector is not None else [])
        with self._guard("reading chunks"):
            res = self.collection.get(ids=list(ids), where=where, include=include)
        sims = [0.0] * len(res["ids"])
        if vector is not None and len(res["ids"]):
            import numpy as np

            emb = np.asarray(res["embeddings"], dtype=np.float32)
            q = np.asarray(vector, dtype=np.float32)
            norms = np.linalg.norm(emb, axis=1) * (np.linalg.norm(q) or 1.0)
            sims = (emb @ q / np.where(norms == 0, 1.0, norms)).tolist()
        found = {
            cid: _passage(cid, stored_text(doc, meta), meta, 0.0, float(sim))
            for cid, doc, meta, sim in zip(res["ids"], res["documents"], res["metadatas"], sims)
        }
        return [found[cid] for cid in ids if cid in found]


def article_states(metadatas: Iterable[dict[str, Any]]) -> dict[str, ArticleState]:
    """Gather what is stored for each article from its chunks' metadata."""
    states: dict[str, ArticleState] = {}
    for meta in metadatas:
        aid = str(meta["article_id"])
        st = states.get(aid)
        if st is None:
            st = states[aid] = ArticleState(
                hash=str(meta["article_hash"]),
                n_chunks=int(meta["n_chunks"]),
                origin=str(meta.get("origin", "")),
                id_from_url=bool(meta.get("id_from_url", False)),
                source=str(meta.get("source") or "") or None,
                published=str(meta.get("published") or "") or None,
            )
        st.chunks.add(int(meta["chunk_index"]))
        st.hashes.add(str(meta["article_hash"]))
    return states


def fingerprint(states: dict[str, ArticleState]) -> str:
    """Identify the indexed content: which articles, at which version, with how many chunks."""
    h = hashlib.sha1()
    for aid in sorted(states):
        st = states[aid]
        h.update(f"{aid}:{sorted(st.hashes)}:{sorted(st.chunks)}\n".encode())
    return h.hexdigest()[:16]


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
            f"{_free_mb(self.dir):.1f} MB free): free some space or make it writable, then "
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
            with directory_lock(index, _Busy()):
                self.sync(store)
        except _Busy:
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
