"""The index: Chroma (vectors) and a BM25 keyword index kept in step with it.

Chroma is the single source of truth. Every chunk carries its article's id, content hash and
chunk count, so the state of each article can be read back from Chroma alone (`articles`): an
article is indexed when all of its chunks are there with the current hash. That is what makes
ingest idempotent and safe to kill at any moment: a re-run sees the half-written article and
redoes it.

    chroma.py         VectorStore: the Chroma collection, its failures as StoreError
    articles.py       ArticleState per article, and the fingerprint of what is indexed
    keyword_index.py  KeywordIndex: BM25, rebuilt when it no longer matches Chroma
    locks.py          the index's lock (one ingest at a time) and other folder locks
    errors.py         StoreError
"""

from rag.store.articles import ArticleState, article_states, fingerprint
from rag.store.chroma import GENERATION, PAGE, TEXT, VectorStore, stored_text
from rag.store.errors import StoreError
from rag.store.keyword_index import KeywordIndex, KeywordWriteError
from rag.store.locks import directory_lock, index_lock

__all__ = [
    "GENERATION",
    "PAGE",
    "TEXT",
    "ArticleState",
    "KeywordIndex",
    "KeywordWriteError",
    "StoreError",
    "VectorStore",
    "article_states",
    "directory_lock",
    "fingerprint",
    "index_lock",
    "stored_text",
]
