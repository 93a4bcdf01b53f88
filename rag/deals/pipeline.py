"""The ingest step for deals: read the articles not read yet, store their mentions, merge."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rag.config import Settings
from rag.deals.filter import candidates, tells_a_plot
from rag.deals.forms import fill_all, get_form_filler
from rag.deals.mentions import Mention, extract
from rag.deals.money import Money
from rag.deals.prompt import FormFiller, user_prompt
from rag.deals.storage import DealStore, DealTable
from rag.store import VectorStore
from rag.types import Article

# Articles are read in groups: the candidate sentences of a group are filled together (the
# local model decodes several forms at once), then the group's mentions are written. A kill
# loses at most one group's reading.
GROUP_CANDIDATES = 24
GROUP_ARTICLES = 64


@dataclass
class DealReport:
    """What the deal step did."""

    read: int = 0  # articles read this time
    skipped: int = 0  # already read at this version
    candidates: int = 0  # sentences the model filled a form for
    mentions: int = 0
    deals: int = 0  # deals in the table afterwards
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"deals: {self.read} articles read ({self.skipped} already read), "
            f"{self.candidates} candidate sentences, {self.mentions} mentions; "
            f"{self.deals} deals in the table ({self.seconds:.1f}s)"
        )


def _published(article: Article) -> date | None:
    try:
        return date.fromisoformat((article.published or "")[:10])
    except ValueError:
        return None


def update_deals(
    articles: Iterable[Article],
    store: VectorStore,
    settings: Settings,
    *,
    stored_ids: set[str] | None = None,
    fill: FormFiller | None = None,
    progress: bool = False,
    on_article: Callable[[int, int], None] | None = None,
) -> DealReport:
    """Extract the deals of every article not read at its current version, and rebuild the table.

    Args:
        articles: the articles just ingested (all of them, read or not).
        store: the chunk store; the mentions go to a collection beside it.
        settings: which model fills the forms, and where the deal table goes.
        stored_ids: every article id the store holds now; mentions of other articles are
            removed. None leaves them.
        fill: the form filler; by default the one `settings.llm` names (loaded on first use).
        progress: show a progress bar on stderr.
        on_article: called with (done, total) after each article, for tests and the UI.
    """
    start = time.perf_counter()
    report = DealReport()
    deals = DealStore(store)
    done = deals.done()
    todo = []
    for article in articles:
        if done.get(article.id) == article.content_hash:
            report.skipped += 1
        else:
            todo.append(article)
    if stored_ids is not None:
        deals.remove(deals.read_ids() - stored_ids - {a.id for a in todo})
    if todo:
        fill = fill or get_form_filler(settings)
        bar = _bar(len(todo), progress)
        for group in _groups(todo):
            sentences = [(a.text[s:e], amounts) for a, found in group for s, e, amounts in found]
            lookup = prefilled(fill, sentences, report)
            pending: list[tuple[str, str, list[Mention]]] = []
            for article, found in group:
                mentions = extract(
                    article.id,
                    article.text,
                    lookup,
                    published=_published(article),
                    outlet=article.source,
                    url=article.url,
                    title=article.title,
                    found=found,
                )
                report.mentions += len(mentions)
                pending.append((article.id, article.content_hash, mentions))
            deals.write(pending)
            for _ in group:
                report.read += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(mentions=report.mentions)
                if on_article:
                    on_article(report.read, len(todo))
        if bar is not None:
            bar.close()
    table = DealTable(settings.index)
    table.sync(deals)
    report.deals = table.count()
    report.seconds = time.perf_counter() - start
    return report


Candidates = list[tuple[int, int, list[Money]]]  # an article's `candidates`: start, end, amounts


def _groups(articles: list[Article]) -> Iterator[list[tuple[Article, Candidates]]]:
    """Runs of articles, each with its candidate sentences, holding GROUP_CANDIDATES candidates
    or more (or GROUP_ARTICLES articles), so the model fills forms many at a time."""
    group: list[tuple[Article, Candidates]] = []
    count = 0
    for article in articles:
        found = article_candidates(article)
        group.append((article, found))
        count += len(found)
        if count >= GROUP_CANDIDATES or len(group) >= GROUP_ARTICLES:
            yield group
            group, count = [], 0
    if group:
        yield group


def prefilled(
    fill: FormFiller,
    sentences: Sequence[tuple[str, list[Money]]],
    report: DealReport | None = None,
) -> FormFiller:
    """A filler that answers from forms filled together for all these candidate sentences."""
    report = report or DealReport()
    report.candidates += len(sentences)
    forms = {
        user_prompt(sentence, amounts): form
        for (sentence, amounts), form in zip(sentences, fill_all(fill, sentences))
    }

    def lookup(sentence: str, amounts: list[Money]) -> dict[str, Any]:
        key = user_prompt(sentence, amounts)
        if key not in forms:  # not a candidate of the group: cannot happen, but stay correct
            report.candidates += 1
            forms[key] = fill(sentence, amounts)
        return forms[key]

    return lookup


def count_candidates(articles: Iterable[Article]) -> int:
    """How many sentences the model would read (for `--dry-run` style estimates and benches)."""
    return sum(len(article_candidates(a)) for a in articles)


def article_candidates(article: Article) -> Candidates:
    """The article's candidate sentences; none when its title marks the plot of a show."""
    return [] if tells_a_plot(article.title) else list(candidates(article.text))


def _bar(total: int, enabled: bool):  # type: ignore[no-untyped-def]
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="article", desc="deals", dynamic_ncols=True)
