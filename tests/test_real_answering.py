"""The real answer chain: real embedder, real Chroma, the real local LLM, a real LLM server.

Slow (each answer takes seconds on 2 cores) but run in CI: these are the paths users take.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from rag.answering import Answerer, Turn
from rag.config import Settings
from rag.ingest import ingest
from rag.refusal import DEFAULT_THRESHOLD
from rag.retrieval import Filters, Retriever
from rag.types import Answer
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
FOUNDING = "7c3f6cfdd1c6eb96"  # id of the article in corpus/
# The prompt names the as-of date, and the 1.5B model's reading of the same sources can change
# with it: every answer here is asked as of one fixed day, never the day the tests run.
AS_OF = Filters(as_of=dt.date(2024, 3, 8))


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Settings:
    settings = Settings.load(index=tmp_path_factory.mktemp("demo") / "index", llm="local")
    ingest([str(ROOT / "corpus")], settings, embedder=real_embedder)
    return settings


@pytest.fixture(scope="module")
def local(demo_index: Settings, real_embedder) -> Answerer:
    return Answerer(demo_index, retriever=Retriever(demo_index, embedder=real_embedder))


def test_local_model_answers_with_a_checked_citation(local: Answerer):
    answer = local.ask("How much is MiniMax seeking to raise?", filters=AS_OF)
    assert not answer.refused, answer
    assert "600 million" in answer.text
    assert answer.citations and all(c.article_id == FOUNDING for c in answer.citations)
    assert any("$600 million" in c.quote for c in answer.citations)
    assert answer.timings.first_token is not None
    # The local backend reports how sure it was of the tokens it chose.
    assert answer.evidence is not None and 0 < answer.evidence["sure"] <= 1


def test_local_model_asked_again_gives_the_amount_it_first_missed(local: Answerer):
    # The 1.5B model answered this with the article's title on 7 of 8 as-of dates
    # (bench/prompts.py); asked again with what the question wants, it gives the amount.
    answer = local.ask("How much did Moonshot AI raise?", filters=AS_OF)
    assert not answer.refused, answer
    assert "1 billion" in answer.text
    assert answer.citations and all(c.article_id == FOUNDING for c in answer.citations)


def test_local_model_reading_each_source_alone_answers_from_one_of_them(
    demo_index: Settings, real_embedder
):
    each = dataclasses.replace(demo_index, read_each=3, refusal_threshold=DEFAULT_THRESHOLD)
    answerer = Answerer(each, retriever=Retriever(each, embedder=real_embedder))
    answer = answerer.ask("Who is leading MiniMax's new funding round?", filters=AS_OF)
    assert not answer.refused, answer
    assert "Alibaba" in answer.text
    reads = answer.evidence["reads"]
    assert [r["number"] for r in reads] == list(range(1, min(3, len(answer.passages)) + 1))
    assert len(reads) >= 2  # the founding article is several chunks: several prompts
    kept = max(reads, key=lambda r: r["confidence"])
    assert answer.raw_text == kept["text"]
    assert answer.citations and all(c.article_id == FOUNDING for c in answer.citations)


def test_local_model_refuses_what_the_corpus_does_not_say(local: Answerer):
    answer = local.ask("What was MiniMax's revenue in 2023?", filters=AS_OF)
    assert answer.refused, answer
    assert answer.citations == ()


def test_local_model_follow_up_uses_the_history(local: Answerer):
    first = local.ask("Who is leading MiniMax's new funding round?", filters=AS_OF)
    assert "Alibaba" in first.text
    answer = local.ask("Who founded it?", history=[Turn(first.question, first.text)], filters=AS_OF)
    assert "MiniMax" in answer.standalone_question or "Minimax" in answer.standalone_question
    assert "Yan Junjie" in answer.text, answer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llm_server() -> Iterator[str]:
    """llama-cpp-python's own OpenAI-compatible server on loopback, with the default model."""
    from rag.llms import ensure_local_model

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(ensure_local_model()),
         "--model_alias", "qwen", "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            assert proc.poll() is None, "llama_cpp.server exited"
            try:
                if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("llama_cpp.server did not start in 120 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_openai_backend_streams_a_cited_answer_from_a_real_server(
    demo_index: Settings, real_embedder, llm_server: str
):
    settings = Settings.load(
        index=demo_index.index, llm="openai", openai_base_url=llm_server, openai_model="qwen"
    )
    answerer = Answerer(settings, retriever=Retriever(settings, embedder=real_embedder))
    items = list(answerer.stream("How much is MiniMax seeking to raise?", filters=AS_OF))
    *pieces, answer = items
    assert isinstance(answer, Answer) and len(pieces) > 3  # streamed token by token
    assert "600 million" in answer.text and answer.citations, answer
    # The server's logprobs reach the refusal rule, as the local backend's probabilities do.
    assert 0 < answer.evidence["sure"] <= 1 and 0 < answer.evidence["weakest"] <= 1, answer


def test_openai_backend_that_is_down_is_one_clear_line(demo_index: Settings, real_embedder):
    from rag.llms import LLMError

    url = f"http://127.0.0.1:{_free_port()}/v1"
    settings = Settings.load(
        index=demo_index.index, llm="openai", openai_base_url=url, openai_model="qwen",
        llm_timeout=5.0,
    )  # fmt: skip
    answerer = Answerer(settings, retriever=Retriever(settings, embedder=real_embedder))
    with pytest.raises(LLMError) as err:
        answerer.ask("How much is MiniMax seeking to raise?")
    assert (
        str(err.value)
        == f"openai LLM at {url} cannot be reached: check that the server is running."
    )
