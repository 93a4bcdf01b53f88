"""Time-aware answers with the real embedder, Chroma and local LLM: a "this week" question is
answered from this week's article, not from a stale one that matches its words as well, and an
answer that can only come from old news says when that news is from.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rag.answering import Answerer
from rag.config import Settings
from rag.ingest import ingest
from rag.retrieval import Filters, Retriever
from tests.conftest import make_record, write_jsonl

pytestmark = pytest.mark.slow
AS_OF = Filters(as_of=dt.date(2026, 12, 2))
QUESTION = "Which company announced this week that it is laying off 16,000 employees?"

STALE = {
    "url": "https://archive.example.com/2014/05/hp-cuts",
    "title": "HP to cut up to 16,000 more jobs",
    "published": "2014-05-23",
    "source": "archive.example.com",
    "text": "HP said on Thursday it would cut up to 16,000 more jobs as part of a restructuring "
    "that began two years ago, taking the total to as many as 50,000 positions.\n\n"
    "The company said the cuts would save it about $1 billion a year.",
}
FRESH = {
    "url": "https://daily.example.com/2026/11/nordwind-layoffs",
    "title": "Nordwind Motors to lay off 16,000 employees",
    "published": "2026-11-30",
    "source": "daily.example.com",
    "text": "Nordwind Motors announced on Monday that it is laying off 16,000 employees, about a "
    "tenth of its workforce, as demand for its trucks falls.\n\n"
    "The carmaker said the job cuts would be completed by the end of next year.",
}


def _index(tmp: Path, articles: list[dict], embedder) -> Settings:
    others = [make_record(i, seed=7) for i in range(6)]
    settings = Settings.load(index=tmp / "index", llm="local")
    ingest([str(write_jsonl(tmp / "news.jsonl", [*articles, *others]))], settings,
           embedder=embedder)  # fmt: skip
    return settings


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Answerer:
    settings = _index(tmp_path_factory.mktemp("both"), [STALE, FRESH], real_embedder)
    return Answerer(settings, retriever=Retriever(settings, embedder=real_embedder))


@pytest.fixture(scope="module")
def stale_only(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Answerer:
    settings = _index(tmp_path_factory.mktemp("stale"), [STALE], real_embedder)
    return Answerer(settings, retriever=Retriever(settings, embedder=real_embedder))


def test_this_weeks_article_outranks_a_stale_one_with_the_same_words(both: Answerer):
    passages = both.retriever.retrieve(QUESTION, 5, AS_OF)
    assert passages[0].url == FRESH["url"]
    stale = next(p for p in passages if p.url == STALE["url"])
    assert passages[0].score > 1.5 * stale.score  # by a clear margin
    # Without a time scope the two are close: the margin comes from the window.
    plain = both.retriever.retrieve(QUESTION, 5, AS_OF, recent=False)
    fresh, old = (next(p for p in plain if p.url == u) for u in (FRESH["url"], STALE["url"]))
    assert fresh.score < 1.5 * old.score


def test_local_model_answers_a_this_week_question_from_this_weeks_article(both: Answerer):
    answer = both.ask(QUESTION, filters=AS_OF)
    assert not answer.refused, answer
    assert "Nordwind" in answer.text and "HP" not in answer.text
    assert [c.url for c in answer.citations] == [FRESH["url"]]
    assert answer.scope and answer.scope["phrase"] == "this week"


def test_an_answer_from_old_news_says_when_it_is_from(stale_only: Answerer):
    answer = stale_only.ask(QUESTION, filters=AS_OF)
    if answer.refused:  # declining is honest too
        return
    assert answer.text.startswith("According to a May 2014 article"), answer.text
    assert [c.published for c in answer.citations] == ["2014-05-23"]
