"""Hybrid retrieval: dense (Chroma) and keyword (BM25) results fused, filtered and time-aware.

Every query has an "as of" date: articles published after it do not exist yet for that query.
Articles with no published date are kept (the demo article has none), except when the user asks
for a date range, which they cannot be shown to fall in. Questions about "this week", "the
latest" or "now" favour articles published close to the as-of date.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rag.config import Settings
from rag.embeddings import Embedder, get_embedder
from rag.store import KeywordIndex, VectorStore
from rag.text import split_sentences
from rag.timescope import TimeScope, time_scope
from rag.types import Passage

RRF_K = 60  # the usual reciprocal-rank-fusion constant
CANDIDATES = 40  # results taken from each of dense and keyword search before fusion
DENSE_WIDE = 100  # nearest chunks read before filtering in Python (see Retriever._dense)
PER_ARTICLE = 2  # passages kept from any one article, so the k slots cover several sources
DUPLICATE_JACCARD = 0.5  # word 5-gram overlap above which two passages count as the same text
# How much an article inside the question's time window gains over one far outside it (x4
# for a named period such as "this week"), and less for a soft one ("recently", "new").
# Chosen on the 2023 dev set's gold@5 (docs/benchmarks.md, retrieval ablation).
WINDOW_WEIGHT = 3.0
SOFT_WINDOW_WEIGHT = 0.7
# A question with no time words still leans to the last IMPLIED_DAYS before the as-of date, at
# IMPLIED_WEIGHT: news questions are mostly about the latest news. Chosen on the same gold@5
# (bench/retrieval.py, the "recent news for questions without time words" row).
IMPLIED_WEIGHT = 1.5
IMPLIED_DAYS = 8
IMPLIED_PHRASE = "(no time words: recent news)"
WINDOW_MIN_SHARE = 0.5  # ... when its similarity is at least this share of the best candidate's
UNDATED_SHARE = 0.5  # an undated article gets this share of the in-window gain: usable, not first
_WORD = re.compile(r"\w+")


def parse_date(value: str | dt.date | None, field: str = "date") -> dt.date | None:
    """Read an ISO date (YYYY-MM-DD, or a longer ISO timestamp); None and "" give None.

    Raises:
        ValueError: naming `field`, when the value is not an ISO date.
    """
    if value is None or isinstance(value, dt.date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not a date; use YYYY-MM-DD") from None


def published_day(value: str | None) -> dt.date | None:
    """A stored publication date as a date; None when it is missing or unreadable (undated)."""
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


def asks_for_recent(question: str) -> bool:
    """Tell whether a question is about a recent period ("this week", "now", "latest")."""
    return time_scope(question, dt.date.today()) is not None


def _day(d: dt.date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


@dataclass(frozen=True)
class Filters:
    """What a query may see: nothing published after `as_of`, an optional date range, outlets.

    `as_of` None means today.
    """

    as_of: dt.date | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sources: tuple[str, ...] = ()

    @property
    def effective_as_of(self) -> dt.date:
        return self.as_of or dt.date.today()

    def where(self) -> dict[str, Any]:
        """Return the Chroma `where` clause for these filters."""
        as_of = self.effective_as_of
        upper = min(as_of, self.date_to) if self.date_to else as_of
        clauses: list[dict[str, Any]] = []
        if self.date_from or self.date_to:
            clauses.append({"published_day": {"$lte": _day(upper)}})
            if self.date_from:
                clauses.append({"published_day": {"$gte": _day(self.date_from)}})
        else:
            # Undated articles stay visible: nothing says they are from the future.
            clauses.append(
                {"$or": [{"published_day": {"$lte": _day(upper)}}, {"published": {"$eq": ""}}]}
            )
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def matches(self, passage: Passage) -> bool:
        """Tell whether a passage passes these filters (the same test as `where()`)."""
        day = (passage.published or "")[:10]
        upper = min(self.effective_as_of, self.date_to) if self.date_to else self.effective_as_of
        if self.date_from or self.date_to:
            if not day or day > upper.isoformat():
                return False
            if self.date_from and day < self.date_from.isoformat():
                return False
        elif day and day > upper.isoformat():
            return False
        return not self.sources or (passage.source or "") in self.sources


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < 5:
        return {tuple(words)}
    return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}


def collapse_duplicates(passages: Iterable[Passage]) -> Iterator[Passage]:
    """Yield passages in order, skipping those that nearly repeat an earlier one (syndicated
    copies). Lazy: a caller that stops after k passages pays only for those it looked at."""
    kept: list[set[tuple[str, ...]]] = []
    for p in passages:
        sh = _shingles(p.text)
        if any(
            len(sh & other) / max(1, min(len(sh), len(other))) >= DUPLICATE_JACCARD
            for other in kept
        ):
            continue
        kept.append(sh)
        yield p


def time_factor(
    published: str | None,
    scope: TimeScope | None,
    weight: float = WINDOW_WEIGHT,
    soft_weight: float = SOFT_WINDOW_WEIGHT,
    implied_weight: float = IMPLIED_WEIGHT,
) -> float:
    """Return the factor by which a passage's fused score grows for a question with a scope.

    Inside the window: 1 + weight (`soft_weight` for a soft scope, `implied_weight` for one
    the question does not state). Before it, the gain decays with the days before the window's
    start, on the window's own scale (a day late for "this week" costs more than for "this
    year"). Undated articles get a share of the gain (none from an implied window); with no
    scope every factor is 1.
    """
    if scope is None:
        return 1.0
    w = implied_weight if scope.implied else soft_weight if scope.soft else weight
    day = published_day(published)
    if day is None:
        # Nothing shows an undated article is recent news: an implied window leaves it as it is.
        return 1.0 if scope.implied else 1.0 + UNDATED_SHARE * w
    gap = scope.days_before(day)
    return 1.0 + w * math.exp(-gap / max(3.0, scope.length / 2))


def fuse(rankings: Sequence[Sequence[str]]) -> dict[str, float]:
    """Reciprocal rank fusion: each id scores the sum of 1/(RRF_K + rank) over the rankings."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking, 1):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (RRF_K + rank)
    return scores


class Retriever:
    """Finds the passages for a question in one index (embedded Chroma or a Chroma server)."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        store: VectorStore | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(
            settings.embedding_model, settings.embedding_precision
        )
        self.store = store or VectorStore(settings, self.embedder.name)
        self.keyword = KeywordIndex(settings.index / "keyword")
        # Knobs of the ranking, one per mechanism, so bench/retrieval.py can switch each off.
        self.window_weight = WINDOW_WEIGHT
        self.soft_weight = SOFT_WINDOW_WEIGHT
        self.implied_weight = IMPLIED_WEIGHT
        self.implied_days = IMPLIED_DAYS
        self.window_search = True
        self.window_min_share = WINDOW_MIN_SHARE
        self.split_preamble = True
        self.extra_run_weight = 0.5

    def dense(self, query: str, k: int, filters: Filters | None = None) -> list[Passage]:
        """Return the `k` chunks nearest to the query's embedding, within `filters`."""
        vector = self.embedder.embed([query])[0]
        filters = filters or Filters()
        if k <= CANDIDATES:
            return self._dense(vector, filters)[:k]
        return self.store.search(vector, k, filters.where())

    def retrieve(
        self,
        query: str,
        k: int = 5,
        filters: Filters | None = None,
        recent: bool | None = None,
    ) -> list[Passage]:
        """Return up to `k` passages for `query`, best first.

        Dense and keyword candidates are fused by reciprocal rank. A question with a time scope
        ("this week", "in 2023", "recently"; `time_scope`) also searches its window, and
        passages published inside the window outrank those before it (`time_factor`). A
        question without one leans to the last `implied_days`, less than a named period does
        (`scope_of`).
        `recent` False ignores dates, True treats a question without time words as asking
        about the last week. A question with a preamble ("X died this week. Which office...?")
        also searches with each of its sentences. Near-duplicate passages collapse into one.
        `score` is the final score, `similarity` the passage's cosine similarity to the query.
        """
        filters = filters or Filters()
        as_of = filters.effective_as_of
        scope = self.scope_of(query, as_of, recent)
        queries = [query, *self.sub_queries(query)]
        vectors = self.embedder.embed(queries)
        vector = vectors[0]
        dense_runs = [self._dense(v, filters) for v in vectors]
        if scope is not None and self.window_search:
            window = replace(
                filters,
                date_from=max(scope.start, filters.date_from or scope.start),
                date_to=min(scope.end, filters.date_to or scope.end),
            )
            if window.date_from <= window.date_to:  # type: ignore[operator]
                dense_runs.append(self.store.search(vector, CANDIDATES, window.where()))
        self.keyword.refresh(self.store, self.settings.index)  # others may have written
        keyword_ids = [cid for cid, _ in self.keyword.search(query, CANDIDATES * 3)]
        by_id = {p.chunk_id: p for run in dense_runs for p in run}
        dense_ids = set(by_id)
        # Filtering in Python: Chroma's metadata filter costs ~10x the plain lookup.
        extra = [
            p
            for p in self.store.get(
                [cid for cid in keyword_ids if cid not in dense_ids], vector=vector
            )
            if filters.matches(p)
        ]
        by_id |= {p.chunk_id: p for p in extra}
        keyword_ranking = [cid for cid in keyword_ids if cid in by_id][:CANDIDATES]
        scores = fuse([[p.chunk_id for p in dense_runs[0]], keyword_ranking])
        # The extra runs add evidence, at a lower weight than the question as a whole.
        for run in dense_runs[1:]:
            for cid, s in fuse([[p.chunk_id for p in run]]).items():
                scores[cid] = scores.get(cid, 0.0) + self.extra_run_weight * s
        ranked = []
        # Only passages about as relevant as the best one gain from their date: a fresh article
        # that barely matches must not push out the ones that answer the question.
        top_similarity = max((p.similarity for p in by_id.values()), default=0.0)
        for cid, score in scores.items():
            p = by_id[cid]
            if p.similarity >= self.window_min_share * top_similarity:
                score *= time_factor(
                    p.published, scope, self.window_weight, self.soft_weight, self.implied_weight
                )
            ranked.append(replace(p, score=score))
        ranked.sort(key=lambda p: -p.score)
        per_article: dict[str, int] = {}
        out = []
        # Per-article cap first, so that no shingles are computed for passages it drops.
        capped = (p for p in ranked if per_article.get(p.article_id, 0) < PER_ARTICLE)
        for p in collapse_duplicates(capped):
            if per_article.get(p.article_id, 0) >= PER_ARTICLE:
                continue
            per_article[p.article_id] = per_article.get(p.article_id, 0) + 1
            out.append(p)
            if len(out) == k:
                break
        # Hits not from the question's own dense run have no similarity to it yet: read their
        # vectors (only these few).
        own = {p.chunk_id for p in dense_runs[0]} | {p.chunk_id for p in extra}
        missing = [p.chunk_id for p in out if p.chunk_id not in own]
        if missing:
            sims = {p.chunk_id: p.similarity for p in self.store.get(missing, vector=vector)}
            out = [replace(p, similarity=sims.get(p.chunk_id, p.similarity)) for p in out]
        return out

    def scope_of(self, query: str, as_of: dt.date, recent: bool | None = None) -> TimeScope | None:
        """The time window `query` asks about (see `retrieve` for `recent`).

        A question with no time words gets an `implied` soft window over the last
        `implied_days` (none when `implied_weight` is 0): it ranks, it never makes an answer
        stale.
        """
        if recent is False:
            return None
        scope = time_scope(query, as_of)
        if scope is None and recent:
            scope = TimeScope("recent", as_of - dt.timedelta(days=8), as_of)
        if scope is None and self.implied_weight > 0:
            start = as_of - dt.timedelta(days=self.implied_days)
            scope = TimeScope(IMPLIED_PHRASE, start, as_of, soft=True, implied=True)
        return scope

    def sub_queries(self, query: str) -> list[str]:
        """The sentences of a question with a preamble, each searched on its own too."""
        if not self.split_preamble:
            return []
        sentences = [query[s:e].strip() for s, e in split_sentences(query)]
        sentences = [s for s in sentences if len(_WORD.findall(s)) >= 3]
        return sentences if len(sentences) > 1 else []

    def _dense(self, vector: Sequence[float], filters: Filters) -> list[Passage]:
        """The CANDIDATES nearest chunks that pass `filters`.

        The nearest DENSE_WIDE chunks are read without a filter (fast, approximate) and filtered
        here; only when too few of them pass (a narrow date range or a rare outlet) does Chroma
        filter exactly.
        """
        wide = self.store.search(vector, DENSE_WIDE)
        hits = [p for p in wide if filters.matches(p)]
        if len(hits) >= CANDIDATES or len(wide) < DENSE_WIDE:
            return hits[:CANDIDATES]
        return self.store.search(vector, CANDIDATES, filters.where())
