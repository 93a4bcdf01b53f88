"""What the store holds for each article, read back from its chunks' metadata alone.

Every chunk carries its article's id, content hash and chunk count, so an article is indexed
when all of its chunks are there with the current hash; the fingerprint of these states
identifies the indexed content (the keyword index is stamped with it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


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
