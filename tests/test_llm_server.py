"""An OpenAI-compatible server that dies in the middle of an answer, in the CLI and the chat.

The server is `tests/sse_llm_server.py`, a real HTTP server in its own process that streams an
answer word by word over TCP and kills itself with SIGKILL after a few words. Normal streaming
from a real server (llama.cpp's) is tested in `tests/test_real_answering.py`.
"""

from __future__ import annotations

import html
import os
import pty
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from rag.config import Settings
from tests.conftest import ROOT, free_port, newsrag_env, start_serve
from ui.service import ChatState, Service

QUESTION = "How much is MiniMax seeking to raise?"
SAID = "MiniMax is seeking at least $600 million [1]."  # what the test server answers
SERVER = ROOT / "tests" / "sse_llm_server.py"


class LLMServer:
    """tests/sse_llm_server.py on a fixed port, started and stopped by the test."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/v1"
        self.proc: subprocess.Popen | None = None

    def start(self, *args: str) -> LLMServer:
        self.stop()
        cmd = [sys.executable, str(SERVER), str(self.port), *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "the test LLM server exited at start"
            try:
                if httpx.get(f"{self.url}/models", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        pytest.fail("the test LLM server did not start in 30 s")

    def killed(self) -> bool:
        """Whether the server killed itself with SIGKILL (that is, mid-answer)."""
        assert self.proc is not None
        try:
            return self.proc.wait(10) == -signal.SIGKILL
        except subprocess.TimeoutExpired:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def llm_server() -> Iterator[LLMServer]:
    server = LLMServer(free_port())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def index(settings: Settings) -> Settings:
    """corpus/ ingested with the fake embedder."""
    from rag.ingest import ingest

    ingest([str(ROOT / "corpus")], settings)
    return settings


def _ask_command(settings: Settings, url: str) -> list[str]:
    return [sys.executable, "-m", "newsrag", "ask", QUESTION, "--index", str(settings.index),
            "--embedding-model", "fake", "--llm", "openai", "--openai-base-url", url,
            "--openai-model", "test"]  # fmt: skip


def _lost(url: str) -> str:
    return f"openai LLM at {url} lost the connection mid-answer"


@pytest.mark.parametrize("framing", ["chunked", "--close-ends"])
def test_a_stream_cut_mid_answer_is_an_error_not_a_short_answer(
    framing: str, llm_server: LLMServer
):
    from rag.llms import LLMError, get_llm

    settings = Settings.load(llm="openai", openai_base_url=llm_server.url, openai_model="test")
    llm = get_llm(settings)
    extra = [framing] if framing.startswith("--") else []
    llm_server.start(*extra)
    assert "".join(str(c.content) for c in llm.stream(QUESTION)) == SAID  # complete: fine
    llm_server.start("--die-after", "3", *extra)
    pieces: list[str] = []
    with pytest.raises(LLMError) as err:
        for chunk in llm.stream(QUESTION):
            pieces.append(str(chunk.content))
    assert llm_server.killed()
    assert "".join(pieces) == "MiniMax is seeking "
    assert str(err.value).startswith(_lost(llm_server.url))


def test_cli_says_in_one_line_that_the_server_died_mid_answer(
    index: Settings, llm_server: LLMServer
):
    llm_server.start("--die-after", "3")
    result = subprocess.run(
        _ask_command(index, llm_server.url), capture_output=True, text=True, timeout=120,
        env=newsrag_env(), cwd=ROOT,
    )  # fmt: skip
    assert llm_server.killed(), "the server did not die mid-answer"
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {_lost(llm_server.url)}"), lines
    assert "the answer is incomplete" in lines[0]
    assert result.stdout == ""  # nothing that looks like an answer, no Sources
    # Back up, the same command answers with a checked citation.
    llm_server.start()
    result = subprocess.run(
        _ask_command(index, llm_server.url), capture_output=True, text=True, timeout=120,
        env=newsrag_env(), cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result
    assert "600 million [1]" in result.stdout and "Sources:" in result.stdout


def test_cli_on_a_terminal_streams_the_start_then_says_it_was_cut(
    index: Settings, llm_server: LLMServer
):
    llm_server.start("--die-after", "3")
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        _ask_command(index, llm_server.url), stdout=follower, stderr=subprocess.PIPE,
        env=newsrag_env(), cwd=ROOT, text=True,
    )  # fmt: skip
    os.close(follower)
    out = b""
    deadline = time.monotonic() + 120
    # A selector, not select.select: that one fails on descriptors numbered 1024 or more.
    waiting = selectors.DefaultSelector()
    waiting.register(leader, selectors.EVENT_READ)
    while time.monotonic() < deadline:
        if waiting.select(0.5):
            try:
                data = os.read(leader, 4096)
            except OSError:  # the terminal is closed: the command ended
                break
            if not data:
                break
            out += data
        elif proc.poll() is not None:
            break
    waiting.close()
    os.close(leader)
    stderr = proc.communicate(timeout=30)[1]
    assert llm_server.killed()
    assert proc.returncode == 1
    shown = out.decode()
    assert "MiniMax is seeking" in shown  # the streamed start of the answer...
    assert "Sources:" not in shown and "[1]" not in shown  # ...is not presented as an answer
    assert stderr.strip().startswith(f"Error: {_lost(llm_server.url)}")
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr


def test_chat_shows_the_lost_connection_and_answers_again_once_the_server_is_back(
    index: Settings, llm_server: LLMServer
):
    settings = replace(index, llm="openai", openai_base_url=llm_server.url, openai_model="test")
    service = Service(settings)
    llm_server.start("--die-after", "3")
    updates = list(service.chat(QUESTION, ChatState()))
    assert llm_server.killed()
    streamed = [u.messages[-1]["content"] for u in updates]
    assert any("nr-streaming" in m and "seeking" in m for m in streamed)  # it had started
    final = updates[-1]
    message = final.messages[-1]["content"]
    text = html.unescape(message)
    assert "nr-error" in message and "\n" not in message
    assert f"unavailable: {_lost(llm_server.url)}, after sending part of it" in text, text
    # The half answer is gone: no answer, no citation, nothing kept for follow-ups.
    assert "nr-answer" not in message and "nr-cite" not in message
    assert final.state.turns == [] and "nr-src" not in final.panel
    assert "unavailable" in final.status
    llm_server.start()
    again = list(service.chat(QUESTION, final.state))[-1]
    answer = again.messages[-1]["content"]
    assert "600 million" in answer and 'href="#src-1-1"' in answer, answer
    assert [t.question for t in again.state.turns] == [QUESTION]
    assert "unavailable" not in again.status


@pytest.mark.slow
def test_served_chat_survives_a_server_killed_mid_answer(
    index: Settings, llm_server: LLMServer, tmp_path: Path
):
    from gradio_client import Client

    llm_server.start("--die-after", "3", "--delay", "0.05")
    env = newsrag_env(NEWSRAG_LLM="openai", NEWSRAG_OPENAI_BASE_URL=llm_server.url,
                      NEWSRAG_OPENAI_MODEL="test", NEWSRAG_EMBEDDING_MODEL="fake")  # fmt: skip
    servers = start_serve(index.index, tmp_path / "serve.log", env)
    url, serve = next(servers)
    try:
        client = Client(url, verbose=False)  # one chat session
        _, messages, _, status = client.predict(QUESTION, "", "", "", [], api_name="/chat")
        assert llm_server.killed()
        shown = messages[-1]["content"][0]["text"]
        assert "nr-error" in shown and _lost(llm_server.url) in html.unescape(shown), shown
        assert "nr-answer" not in shown and "unavailable" in status
        assert serve.poll() is None  # the chat is still up
        llm_server.start()
        _, messages, panel, status = client.predict(QUESTION, "", "", "", [], api_name="/chat")
        answer = messages[-1]["content"][0]["text"]
        assert "600 million" in answer and "nr-cite" in answer, answer
        assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
        assert "unavailable" not in status and "nr-cited" in panel
    finally:
        servers.close()


def test_a_servers_token_probabilities_reach_the_refusal_rule(
    index: Settings, llm_server: LLMServer
):
    from rag.answering import Answerer

    settings = replace(index, llm="openai", openai_base_url=llm_server.url, openai_model="test")
    answers = {}
    for sure in (0.95, 0.05):
        llm_server.start("--sure", str(sure))
        answers[sure] = Answerer(replace(settings, refusal_threshold=0.0)).ask(QUESTION)
        assert answers[sure].evidence["sure"] == pytest.approx(sure, abs=0.001)
        assert answers[sure].evidence["weakest"] == pytest.approx(sure, abs=0.001)
        assert answers[sure].raw_text == SAID  # the same answer from the same passages
    sure, unsure = answers[0.95], answers[0.05]
    # Only the model's confidence differs, and it is a third of the support ...
    assert sure.evidence["support"] - unsure.evidence["support"] == pytest.approx(0.3, abs=0.002)
    # ... and moves the estimated chance that the answer is right, which the rule decides on.
    low, high = unsure.evidence["confidence"], sure.evidence["confidence"]
    assert low < high
    between = replace(settings, refusal_threshold=(low + high) / 2)
    again = Answerer(between).ask(QUESTION)  # the server still answers unsure
    assert again.refused and again.evidence["confidence"] == low, again.evidence
    llm_server.start("--sure", "0.95")
    kept = Answerer(between).ask(QUESTION)
    assert not kept.refused and "600 million [1]" in kept.text


def test_a_server_that_refuses_logprobs_still_answers(index: Settings, llm_server: LLMServer):
    from rag.answering import Answerer

    llm_server.start("--no-logprobs")
    settings = replace(index, llm="openai", openai_base_url=llm_server.url, openai_model="test")
    answerer = Answerer(settings)
    for _ in range(2):  # asked again without logprobs, then not asked for them any more
        answer = answerer.ask(QUESTION)
        assert not answer.refused and "600 million [1]" in answer.text
        assert answer.evidence["sure"] is None and answer.evidence["weakest"] is None
    # Not streamed (how the deal forms ask): the same fallback.
    from rag.llms import get_llm

    assert get_llm(settings).invoke(QUESTION).content == SAID
