"""Hybrid retrieval on a real Chroma index (fake embedder): filters, as-of, recency, duplicates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rag.answering import predates_window
from rag.config import Settings
from rag.embeddings import FakeEmbedder
from rag.ingest import ingest
from rag.retrieval import (
    Filters,
    Retriever,
    asks_for_recent,
    collapse_duplicates,
    parse_date,
    time_factor,
)
from rag.types import Passage
from tests.conftest import write_jsonl

STORY = (
    "The city council approved the harbour bridge budget on {day}. Officials said the "
    "bridge over the river will cost {cost} million dollars and open in {year}."
)
# Distinct wordings of the same news, so that they are not collapsed as duplicates.
VARIANTS = [
    "Harbour bridge budget: councillors voted {cost} to 3 in favour, ending months of debate.",
    "Engineers welcomed the bridge budget, saying {cost} new jobs would follow the vote.",
    "Residents near the harbour fear bridge traffic; the budget sets aside {cost} parking spaces.",
    "A bridge budget row split the harbour council, with {cost} objections filed by shopkeepers.",
]


def article(n: int, published: str | None, source: str = "example.com", **kw) -> dict:
    text = kw.get("text") or VARIANTS[n % 4].format(cost=100 + n)
    return {
        "url": f"https://{source}/story-{n}",
        "title": kw.get("title", f"Harbour bridge budget update {n}"),
        "published": published,
        "source": source,
        "authors": [],
        "text": text,
    }


@pytest.fixture
def retriever(tmp_path: Path, settings: Settings) -> Retriever:
    records = [
        article(1, "2023-10-02"),
        article(2, "2023-10-20", source="daily.example.org"),
        article(3, "2023-11-15"),
        article(4, None),
        article(
            5,
            "2023-10-21",
            title="Zanzibar spice festival",
            text="The Zanzibar spice festival drew record crowds of visitors to Stone Town.",
        ),
    ]
    embedder = FakeEmbedder()
    ingest([str(write_jsonl(tmp_path / "a.jsonl", records))], settings, embedder=embedder)
    return Retriever(settings, embedder=embedder)


def urls(passages: list[Passage]) -> list[str]:
    return [p.url or "" for p in passages]


def test_articles_after_the_as_of_date_are_excluded(retriever: Retriever):
    got = retriever.retrieve(
        "harbour bridge budget", k=10, filters=Filters(as_of=dt.date(2023, 10, 25))
    )
    assert "https://example.com/story-3" not in urls(got)  # published 2023-11-15
    assert "https://example.com/story-1" in urls(got)
    assert "https://example.com/story-4" in urls(got)  # undated stays visible
    later = retriever.retrieve(
        "harbour bridge budget", k=10, filters=Filters(as_of=dt.date(2023, 12, 1))
    )
    assert "https://example.com/story-3" in urls(later)


def test_date_range_and_outlet_filters(retriever: Retriever):
    in_range = retriever.retrieve(
        "harbour bridge budget",
        k=10,
        filters=Filters(
            as_of=dt.date(2023, 12, 31),
            date_from=dt.date(2023, 10, 10),
            date_to=dt.date(2023, 10, 31),
        ),
    )
    assert all("2023-10-10" <= (p.published or "") <= "2023-10-31" for p in in_range)
    assert "https://daily.example.org/story-2" in urls(in_range)
    only = retriever.retrieve(
        "bridge", k=10, filters=Filters(as_of=dt.date(2023, 12, 31), sources=("daily.example.org",))
    )
    assert urls(only) == ["https://daily.example.org/story-2"]


def test_recency_questions_prefer_articles_near_the_as_of_date(retriever: Retriever):
    as_of = Filters(as_of=dt.date(2023, 11, 16))
    recent = retriever.retrieve("bridge budget approved", k=3, filters=as_of, recent=True)
    assert recent[0].url == "https://example.com/story-3"
    assert asks_for_recent("What did the council approve this week?")
    assert asks_for_recent("Who is the latest winner?")
    assert not asks_for_recent("Who founded MiniMax?")


@pytest.mark.parametrize("question", ["bridge budget approved", "council bridge vote"])
def test_questions_without_time_words_lean_to_recent_news(retriever: Retriever, question: str):
    as_of = Filters(as_of=dt.date(2023, 11, 16))
    got = retriever.retrieve(question, k=4, filters=as_of)
    assert got[0].url == "https://example.com/story-3"  # published the day before
    assert "https://example.com/story-4" in urls(got)  # undated: still usable
    assert "https://example.com/story-1" in urls(got)  # old news is still found
    retriever.implied_weight = 0.0  # the lean off: the October article is first
    assert retriever.retrieve(question, k=4, filters=as_of)[0].url == "https://example.com/story-1"


def test_the_implied_window_is_the_last_days_and_milder_than_a_named_one(retriever: Retriever):
    as_of = dt.date(2023, 11, 16)
    implied = retriever.scope_of("Who won the vote?", as_of)
    assert implied is not None and implied.implied and implied.soft
    assert (implied.start, implied.end) == (as_of - dt.timedelta(days=8), as_of)
    named = retriever.scope_of("Who won the vote this week?", as_of)
    assert named is not None and not named.implied and not named.soft
    assert retriever.scope_of("Who won the vote?", as_of, recent=False) is None
    fresh, old = "2023-11-15", "2023-09-01"
    assert time_factor(fresh, implied) > time_factor(old, implied) > 1.0 - 1e-9
    assert time_factor(fresh, implied) < time_factor(fresh, named)
    assert time_factor(None, implied) == 1.0 < time_factor(None, named)  # undated: no gain
    # Nothing in it makes an answer stale, however old its sources.
    assert predates_window(["2014-05-23"], implied) is None
    assert predates_window(["2014-05-23"], named) == dt.date(2014, 5, 23)
    retriever.implied_weight = 0.0
    assert retriever.scope_of("Who won the vote?", as_of) is None


def test_near_duplicate_passages_collapse_into_the_best_ranked(
    tmp_path: Path, retriever: Retriever
):
    records = [
        article(10 + i, "2023-10-01", text=STORY.format(day=d, cost=i, year=2030))
        for i, d in enumerate(["Monday", "Tuesday", "Friday"])
    ]
    ingest(
        [str(write_jsonl(tmp_path / "copies.jsonl", records))],
        retriever.store.settings,
        embedder=retriever.embedder,
    )
    got = retriever.retrieve(
        "council approved harbour bridge budget", k=10, filters=Filters(as_of=dt.date(2023, 12, 31))
    )
    # The three syndicated copies differ only in day and cost: one survives.
    assert len([p for p in got if p.text.startswith("The city council approved")]) == 1
    a = Passage("a:0", "a", "one two three four five six seven", 2.0, "A", None, None, None)
    b = Passage("b:0", "b", "one two three four five six seven eight", 1.0, "B", None, None, None)
    c = Passage(
        "c:0", "c", "completely different words in this passage here", 0.5, "C", None, None, None
    )
    assert [p.chunk_id for p in collapse_duplicates([a, b, c])] == ["a:0", "c:0"]


def test_keyword_search_finds_rare_names_and_scores_similarity(retriever: Retriever):
    got = retriever.retrieve("Zanzibar", k=3, filters=Filters(as_of=dt.date(2023, 12, 31)))
    assert got[0].title == "Zanzibar spice festival"
    assert got[0].similarity > 0


def test_parse_date_errors_name_the_field():
    assert parse_date("2023-10-05") == dt.date(2023, 10, 5)
    assert parse_date("2023-10-05T12:00:00Z") == dt.date(2023, 10, 5)
    assert parse_date("") is None
    with pytest.raises(ValueError, match="--as-of: 'next week' is not a date"):
        parse_date("next week", "--as-of")


def test_narrow_filters_fall_back_to_chroma_filtering(retriever: Retriever, monkeypatch):
    import rag.retrieval

    # Only 2 nearest chunks are read unfiltered: too few pass, so Chroma filters exactly.
    monkeypatch.setattr(rag.retrieval, "DENSE_WIDE", 2)
    only = retriever.retrieve(
        "bridge", k=10, filters=Filters(as_of=dt.date(2023, 12, 31), sources=("daily.example.org",))
    )
    assert urls(only) == ["https://daily.example.org/story-2"]
    in_range = retriever.retrieve(
        "harbour bridge budget",
        k=10,
        filters=Filters(date_from=dt.date(2023, 10, 10), date_to=dt.date(2023, 10, 31)),
    )
    assert in_range and all("2023-10-10" <= (p.published or "") <= "2023-10-31" for p in in_range)


def test_python_filter_agrees_with_the_chroma_filter(retriever: Retriever):
    cases = [
        Filters(as_of=dt.date(2023, 10, 25)),
        Filters(as_of=dt.date(2023, 12, 31), date_from=dt.date(2023, 10, 10)),
        Filters(as_of=dt.date(2023, 12, 31), date_to=dt.date(2023, 10, 20)),
        Filters(as_of=dt.date(2023, 12, 31), sources=("daily.example.org",)),
    ]
    every = retriever.store.get(retriever.keyword.ids())
    for f in cases:
        by_chroma = {
            p.chunk_id for p in retriever.store.get(retriever.keyword.ids(), where=f.where())
        }
        assert {p.chunk_id for p in every if f.matches(p)} == by_chroma, f
