"""The Chroma collection of chunks (embedded, or on a `chroma run` server).

Every failure of Chroma (a server gone, a full disk, a read-only folder) becomes a one-line
`StoreError` that names the server or folder and says what to do. Every write bumps a generation
number kept in the collection's metadata, so that readers can tell cheaply that it changed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any
from urllib.parse import urlparse

import numpy as np

from rag.config import Settings
from rag.store.articles import ArticleState, article_states
from rag.store.errors import StoreError, free_mb
from rag.types import Article, Chunk, Passage

PAGE = 5000  # rows per Chroma read; below its max batch size
GENERATION = "newsrag_generation"  # collection metadata key, changed by every write
# A chunk's text is stored in its metadata under this key, not as a Chroma document: Chroma
# indexes documents for full-text search, which newsrag does not use (its keyword index is
# BM25), and that index was 40% of the cost of every write (bench/ingest.py). Chunks stored
# by earlier versions, with the text as their document, are still read.
TEXT = "text"


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


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
            f"The index at {path} failed while {doing} ({reason}; {free_mb(path):.1f} MB free "
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

    def settle(self) -> str | None:
        """Save the embedded database's vector graphs whole after a write (see `rag.store.settle`).

        Without it each process that opens the index re-inserts the last (up to 1,000) chunks in
        its own order, and searches differ between processes in their far neighbours. Returns
        None, or why it failed (the index is still correct, only not repeatable). A Chroma
        server keeps its own graphs: nothing to do.
        """
        if self.settings.chroma_url:
            return None
        from rag.store.settle import settle

        return settle(self.settings.index / "chroma")

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
