"""Where deals live: mentions in Chroma (shared by every instance), deals in a local SQLite table.

The mentions sit in a second Chroma collection beside the chunks (`<collection>-deals`), so
instances that share a `chroma run` server share what was extracted. Each article that was read
has a marker record with its content hash and the extractor version: an unchanged article is
never read twice, a changed one has its mentions replaced (deleted and added in one write), and
an interrupted extraction resumes with the articles that have no marker.

The deal table (`<index>/deals.sqlite`) is derived, like the keyword index: it records the
collection's write generation it was built from, and is rebuilt into a new file and swapped in
atomically when that changes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, closing
from dataclasses import asdict
from functools import cached_property
from pathlib import Path
from typing import Any

from rag.deals.filter import is_candidate, states_kind, tells_a_plot
from rag.deals.lists import is_list_item
from rag.deals.mentions import (
    EXTRACTOR_VERSION,
    RULES_VERSION,
    Mention,
    joins_a_conference,
    refresh_rules,
    states_a_deal,
)
from rag.deals.merge import MERGE_VERSION, Deal, merge, normalise, target_parts
from rag.store import GENERATION, VectorStore

PAGE = 1000  # records per Chroma read
_VECTOR = [1.0]  # the records are looked up by metadata only; Chroma still wants a vector


class DealStore:
    """The mentions collection on the same Chroma client as the chunks."""

    def __init__(self, store: VectorStore) -> None:
        self.store = store
        self.name = f"{store.settings.collection}-deals"

    @cached_property
    def collection(self) -> Any:
        with self.store._guard("opening the deals collection"):
            return self.store.client.get_or_create_collection(
                self.name, metadata={"newsrag": "deal mentions"}, embedding_function=None
            )

    def generation(self) -> str:
        """The collection's write generation, read afresh."""
        with self.store._guard("reading the deals collection"):
            _ = self.collection
            coll = self.store.client.get_collection(self.name, embedding_function=None)
            return str((coll.metadata or {}).get(GENERATION, ""))

    def _bump(self) -> None:
        coll = self.store.client.get_collection(self.name, embedding_function=None)
        meta = dict(coll.metadata or {})
        meta[GENERATION] = uuid.uuid4().hex
        self.collection.modify(metadata=meta)

    def _records(self, where: dict[str, Any]) -> Iterable[dict[str, Any]]:
        offset = 0
        while True:
            with self.store._guard("reading the deals collection"):
                page = self.collection.get(
                    where=where, include=["metadatas"], limit=PAGE, offset=offset
                )
            metas = page["metadatas"] or []
            yield from metas
            if len(metas) < PAGE:
                return
            offset += PAGE

    def done(self) -> dict[str, str]:
        """article id -> the content hash its mentions were extracted from (this version)."""
        out = {}
        for meta in self._records({"kind": "article"}):
            if meta.get("version") == EXTRACTOR_VERSION:
                out[str(meta["article_id"])] = str(meta["hash"])
        return out

    def read_ids(self) -> set[str]:
        """Every article that has a marker, of any version."""
        return {str(m["article_id"]) for m in self._records({"kind": "article"})}

    def mentions(self) -> list[Mention]:
        # Today's rules apply to what was stored: a sentence the filter now leaves out is dropped,
        # and so is a deal of a kind its words no longer state; the rule-made fields are made
        # again (see RULES_VERSION).
        out = []
        for record in self._records({"kind": "mention"}):
            m = Mention.from_dict(json.loads(str(record["data"])))
            if joins_a_conference(m) or tells_a_plot(m.title):
                continue
            if is_list_item(m) or (is_candidate(m.sentence) and states_kind(m.type, m.sentence)):
                m = refresh_rules(m)
                if states_a_deal(m):  # not when the only party was a regulator, or no
                    out.append(m)  # target and no amount is left
        return out

    def write(self, results: Sequence[tuple[str, str, list[Mention]]]) -> None:
        """Replace the mentions of each (article id, content hash, mentions), with its marker."""
        if not results:
            return
        ids: list[str] = []
        metas: list[dict[str, Any]] = []
        for article_id, content_hash, mentions in results:
            for m in mentions:
                ids.append(f"m:{m.id}")
                metas.append(
                    {"kind": "mention", "article_id": article_id, "data": json.dumps(m.to_dict())}
                )
            ids.append(f"a:{article_id}")
            metas.append(
                {
                    "kind": "article",
                    "article_id": article_id,
                    "hash": content_hash,
                    "version": EXTRACTOR_VERSION,
                    "mentions": len(mentions),
                }
            )
        with self.store._guard("storing deal mentions"):
            self.collection.delete(where={"article_id": {"$in": [r[0] for r in results]}})
            self.collection.add(ids=ids, metadatas=metas, embeddings=[_VECTOR] * len(ids))
            self._bump()

    def remove(self, article_ids: Iterable[str]) -> None:
        ids = sorted(set(article_ids))
        if not ids:
            return
        with self.store._guard("removing deal mentions"):
            for s in range(0, len(ids), 500):
                self.collection.delete(where={"article_id": {"$in": ids[s : s + 500]}})
            self._bump()


SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE deals (
    id TEXT PRIMARY KEY, type TEXT, target TEXT, target_key TEXT, buyers TEXT,
    parties TEXT, buyer_keys TEXT, lead TEXT, amount TEXT, amount_usd REAL, round TEXT,
    valuation TEXT, stage TEXT, first_seen TEXT, last_seen TEXT, n_mentions INTEGER,
    n_articles INTEGER, conflicted INTEGER, data TEXT
);
CREATE INDEX deals_last_seen ON deals(last_seen);
CREATE INDEX deals_amount ON deals(amount_usd);
"""


def deal_to_json(deal: Deal) -> str:
    return json.dumps(
        {
            **{k: v for k, v in asdict(deal).items() if k not in ("mentions", "conflicts")},
            "mentions": [m.to_dict() for m in deal.mentions],
            "conflicts": [asdict(c) for c in deal.conflicts],
        }
    )


def _keys(names: Iterable[str]) -> str:
    """Names as '|a|b|' for LIKE '%|a|%' lookups (normalised)."""
    return "|" + "|".join(normalise(n) for n in names) + "|"


class DealTable:
    """The deals, merged from the stored mentions, in `<index>/deals.sqlite`."""

    def __init__(self, index: Path) -> None:
        self.path = index / "deals.sqlite"

    def generation(self) -> str | None:
        if not self.path.exists():
            return None
        with self.connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return row[0] if row else None

    def count(self) -> int:
        if not self.path.exists():
            return 0
        with self.connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM deals").fetchone()[0])

    def connect(self) -> AbstractContextManager[sqlite3.Connection]:
        """The table opened read-only; closed when the `with` block ends."""
        return closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True))

    def sync(self, deals: DealStore) -> bool:
        """Rebuild the table if the mentions changed since it was built; tell whether it did."""
        generation = f"{deals.generation()}/rules-{RULES_VERSION}/merge-{MERGE_VERSION}"
        if self.path.exists() and self.generation() == generation:
            return False
        self.build(deals.mentions(), generation)
        return True

    def build(self, mentions: list[Mention], generation: str) -> None:
        """Merge `mentions` into deals and swap the new table in."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".deals-{uuid.uuid4().hex[:8]}.sqlite")
        db = sqlite3.connect(tmp)
        try:
            db.executescript(SCHEMA)
            db.execute("INSERT INTO meta VALUES ('generation', ?)", (generation,))
            db.executemany(
                "INSERT INTO deals VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        d.id,
                        d.type,
                        d.target,
                        normalise(d.target),
                        json.dumps(d.buyers),
                        _keys([*target_parts(d.target), *d.buyers]),
                        _keys(d.buyers),
                        d.lead,
                        d.amount,
                        d.amount_usd,
                        d.round,
                        d.valuation,
                        d.stage,
                        d.first_seen,
                        d.last_seen,
                        len(d.mentions),
                        len({m.article_id for m in d.mentions}),
                        int(d.conflicted),
                        deal_to_json(d),
                    )
                    for d in merge(mentions)
                ],
            )
            db.commit()
        finally:
            db.close()
        os.replace(tmp, self.path)
