"""The ingest pipeline: load -> diff against the index -> chunk -> embed -> store -> keyword index.

Safe to kill at any point: each article's chunks are replaced as a whole in one batch, the
store itself records which articles are complete (see `rag.store`), and the keyword index is
rebuilt whenever it no longer matches the store. Re-running the same command finishes the job.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from rag.chunking import chunk_articles
from rag.config import Settings
from rag.corpus import LoadError, LoadOptions, load
from rag.deals.pipeline import DealReport, update_deals
from rag.embeddings import Embedder, get_embedder
from rag.store import ArticleState, KeywordIndex, VectorStore, index_lock
from rag.types import Article, Chunk


@dataclass
class IngestReport:
    """What an ingest did, for the summary line and for tests."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    removed: int = 0
    chunks: int = 0
    seconds: float = 0.0
    errors: list[LoadError] = field(default_factory=list)
    warnings: list[LoadError] = field(default_factory=list)  # reported; nothing failed
    deals: DealReport | None = None  # when deals were extracted

    def summary(self) -> str:
        rate = (
            f" ({self.chunks / self.seconds:.1f} chunks/s)" if self.chunks and self.seconds else ""
        )
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.failed} failed, {self.removed} removed; {self.chunks} chunks written "
            f"in {self.seconds:.1f}s{rate}"
        )


def _batches(
    articles: list[Article], embedder: Embedder, target_tokens: int, batch_size: int
) -> Iterator[tuple[list[Article], list[Chunk]]]:
    """Yield whole articles with their chunks, about `batch_size` chunks at a time."""
    group: list[Article] = []
    chunks: list[Chunk] = []
    step = 32  # articles tokenized together
    for i in range(0, len(articles), step):
        part = articles[i : i + step]
        for article, pieces in zip(part, chunk_articles(part, embedder, target_tokens)):
            group.append(article)
            chunks.extend(pieces)
            if len(chunks) >= batch_size:
                yield group, chunks
                group, chunks = [], []
    if group:
        yield group, chunks


def ingest(
    inputs: Iterable[str],
    settings: Settings,
    *,
    prune: bool = False,
    embedder: Embedder | None = None,
    on_error: Callable[[LoadError], None] | None = None,
    on_batch: Callable[[int, int, int], None] | None = None,
    progress: bool = False,
    follow_links: bool = False,
    deals: bool = False,
) -> IngestReport:
    """Bring the index in line with `inputs`.

    Args:
        inputs: files, directories and http(s) URLs (see `rag.corpus.load`).
        settings: where the index is and how to chunk and embed.
        prune: also remove every stored article that is not in `inputs`.
        embedder: the embedding model; by default the one `settings` names (loaded only if
            something needs embedding).
        on_error: called with each input that could not be loaded, as it is found, and with
            each warning (a `LoadError` with `warning` set: a repeated URL, a future date, an
            empty input, a symlink not followed, a feed cut short).
        on_batch: called with (batch number, articles, chunks) after each batch is stored.
        progress: show a progress bar on stderr.
        follow_links: follow symlinks that lead out of an ingested folder.
        deals: also extract the deals of articles not read yet (see `rag.deals`), with the
            model `settings.llm` names.

    Returns:
        Counts of what happened. Articles that failed to load leave what was stored for them
        untouched.
    """
    start = time.perf_counter()
    report = IngestReport()
    embedder = embedder or get_embedder(settings.embedding_model, settings.embedding_precision)
    with index_lock(settings.index):
        options = LoadOptions.from_settings(settings, follow_links)
        articles, origins = _load_inputs(inputs, options, report, on_error)
        failed_origins = {e.origin for e in report.errors}

        store = VectorStore(settings, embedder.name)
        generation = store.generation()  # before the states: a write in between shows next time
        states = store.articles()
        todo, stale = _plan(articles, origins, failed_origins, states, prune, report)
        if todo:
            _write(todo, store, embedder, settings, report, on_batch, progress)
        if stale:
            store.delete(stale)
            report.removed = len(stale)

        # Nothing written: the states just read are still current, no need to read them again.
        keyword = KeywordIndex(settings.index / "keyword")
        if todo or stale:
            keyword.sync(store)
        else:
            keyword.sync(store, states, generation)
        if deals:
            held = (set(states) | {a.id for a in todo}) - set(stale)
            report.deals = update_deals(
                articles.values(), store, settings, stored_ids=held, progress=progress
            )
        if todo or stale or (report.deals and report.deals.read):
            failure = store.settle()
            if failure:
                where = str(settings.index / "chroma")
                warning = LoadError(
                    where,
                    where,
                    f"could not save the vector index whole ({failure}); searches may differ "
                    "slightly between runs until the next ingest",
                    warning=True,
                )
                report.warnings.append(warning)
                if on_error:
                    on_error(warning)
    report.seconds = time.perf_counter() - start
    return report


def _load_inputs(
    inputs: Iterable[str],
    options: LoadOptions,
    report: IngestReport,
    on_error: Callable[[LoadError], None] | None,
) -> tuple[dict[str, Article], set[str]]:
    """Load every input; return the articles by id and the origins they came from.

    Errors and warnings go to `report` (and to `on_error`) as they are found.
    """
    articles: dict[str, Article] = {}
    origins: set[str] = set()
    for item in load(inputs, options=options):
        if isinstance(item, LoadError):
            (report.warnings if item.warning else report.errors).append(item)
            if on_error:
                on_error(item)
            continue
        articles[item.id] = item
        origins.add(item.origin)
    report.failed = len(report.errors)
    return articles, origins


def _write(
    todo: list[Article],
    store: VectorStore,
    embedder: Embedder,
    settings: Settings,
    report: IngestReport,
    on_batch: Callable[[int, int, int], None] | None,
    progress: bool,
) -> None:
    """Chunk, embed and store the articles in `todo`, a batch at a time; count in `report`."""
    bar = _progress(len(todo), progress)

    def store_batch(n: int, group: list[Article], chunks: list[Chunk], vectors: np.ndarray) -> None:
        store.replace(group, chunks, vectors)
        report.chunks += len(chunks)
        if bar is not None:
            bar.set_postfix(chunks=report.chunks)
        if on_batch:
            on_batch(n, len(group), len(chunks))

    # The model loads in the background while the first batches are chunked (chunking needs
    # only the tokenizer), and chunking runs a few batches ahead of the embedding. Batch n is
    # stored in the background while batch n+1 is embedded; one write at a time, in order,
    # and any error surfaces before the next batch is written.
    with (
        ThreadPoolExecutor(max_workers=1) as loader,
        ThreadPoolExecutor(max_workers=1) as writer,
        closing(
            _ahead(
                _batches(todo, embedder, settings.chunk_tokens, settings.batch_size),
                CHUNK_AHEAD,
            )
        ) as batches,
    ):
        loading = loader.submit(embedder.load)
        pending: Future[None] | None = None
        for n, (group, chunks) in enumerate(batches, 1):
            loading.result()
            vectors = _embed(embedder, chunks, _advance(bar, len(group)))
            if pending is not None:
                pending.result()
            pending = writer.submit(store_batch, n, group, chunks, vectors)
        if pending is not None:
            pending.result()
    if bar is not None:
        bar.close()


def _plan(
    articles: dict[str, Article],
    origins: set[str],
    failed_origins: set[str],
    states: dict[str, ArticleState],
    prune: bool,
    report: IngestReport,
) -> tuple[list[Article], list[str]]:
    """Decide what to (re)write and what to delete; count added/updated/unchanged in `report`."""
    todo = []
    for article in articles.values():
        state = states.get(article.id)
        if state is None:
            report.added += 1
        elif state.complete and state.hash == article.content_hash:
            report.unchanged += 1
            continue
        else:
            report.updated += 1
        todo.append(article)

    stale = []
    for aid, state in states.items():
        if aid in articles:
            continue
        if state.origin in failed_origins and state.complete:
            continue  # its file or feed failed to load this time: keep what is stored
        if prune or not state.complete:
            stale.append(aid)  # gone from the input, or half-written by a killed run
        elif not state.id_from_url and state.origin in origins:
            stale.append(aid)  # an earlier version of an edited file without a URL
    return todo, stale


EMBED_SLICE = 128  # chunks per embed call, so progress moves between batches
CHUNK_AHEAD = 4  # batches chunked ahead of the one being embedded

T = TypeVar("T")


def _embed(
    embedder: Embedder, chunks: list[Chunk], on_progress: Callable[[int, int], object]
) -> np.ndarray:
    """Embed the chunks' tokens longest first, in slices, reporting progress after each slice.

    Sorting the whole batch first keeps padding as low as one big `encode` call would (it
    sorts the same way), while the slices let the progress bar move. The chunker's tokens are
    embedded as they are: nothing is tokenised twice.
    """
    tokens = [c.tokens for c in chunks]  # every chunk from `chunk_articles` carries them
    order = sorted(range(len(chunks)), key=lambda i: -len(tokens[i]))
    vectors: list[Any] = [None] * len(chunks)
    for s in range(0, len(order), EMBED_SLICE):
        part = order[s : s + EMBED_SLICE]
        for i, vec in zip(part, embedder.embed_tokens([tokens[i] for i in part])):
            vectors[i] = vec
        on_progress(s + len(part), len(chunks))
    return np.asarray(vectors, dtype=np.float32)


def _ahead(items: Iterator[T], depth: int) -> Generator[T, None, None]:
    """Yield `items`, produced by a background thread up to `depth` items ahead.

    An exception in the producer is raised here, in order; when the consumer stops early, the
    producer stops too.
    """
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                q.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put("item", item):
                    return
            put("done", None)
        except BaseException as exc:  # noqa: BLE001  (handed to the consumer)
            put("error", exc)

    thread = threading.Thread(target=produce, name="newsrag-chunker", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()


def _advance(bar: Any, articles: int) -> Callable[[int, int], object]:
    """Move the bar by whole articles, in proportion to the chunks of a batch embedded so far."""
    start = bar.n if bar is not None else 0

    def advance(done: int, total: int) -> None:
        if bar is not None:
            bar.update(start + articles * done // total - bar.n)

    return advance


def sync_keyword_index(store: VectorStore, keyword: KeywordIndex) -> bool:
    """Rebuild the keyword index if it does not cover exactly what the store holds."""
    return keyword.sync(store)


def _progress(total: int, enabled: bool):  # type: ignore[no-untyped-def]
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="article",
        desc="embedding",
        dynamic_ncols=True,
        bar_format="{l_bar}{bar}| {n:.0f}/{total} articles [{elapsed}<{remaining}{postfix}]",
    )
