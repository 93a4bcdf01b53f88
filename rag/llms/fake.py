"""The `fake` backend: a scripted chat model for tests and demos, no model needed."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator

from langchain_core.messages import BaseMessage
from langchain_core.messages.ai import UsageMetadata

from rag.config import Settings
from rag.llms.base import Backend, LLMError, PieceStreamChat
from rag.text import FAKE_MODEL_STOP_WORDS


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if w not in FAKE_MODEL_STOP_WORDS}


_SOURCE = re.compile(r"^\[(\d+)\][^\n]*\n(.*?)(?=^\[\d+\]|\Z)", re.MULTILINE | re.DOTALL)


class FakeChatModel(PieceStreamChat):
    """A scripted chat model for tests: replies from `replies` in order, word by word.

    With no replies left it answers extractively, so that end-to-end tests of the UI have
    something real to show: for a prompt with numbered sources it quotes the source sentence
    sharing the most words with the question and cites it; otherwise it repeats the last line
    of the prompt (which makes question condensing a no-op). `prompts` records every prompt.
    """

    replies: list[str] = []
    prompts: list[list[BaseMessage]] = []
    fail: str = ""  # when set, every call raises LLMError(fail)
    delay: float = 0.0  # seconds before each word, to make a slow model (NEWSRAG_FAKE_DELAY)

    @property
    def _llm_type(self) -> str:
        return "fake"

    def _reply(self, messages: list[BaseMessage]) -> str:
        self.prompts.append(list(messages))
        if self.fail:
            raise LLMError(self.fail)
        if self.replies:
            return self.replies.pop(0)
        prompt = str(messages[-1].content).strip()
        question_line = prompt.splitlines()[-1]
        prompt = prompt[: len(prompt) - len(question_line)]
        question = _content_words(question_line.split(":", 1)[-1])
        best: tuple[int, str, str] = (0, "", "")
        for m in _SOURCE.finditer(prompt):
            for sentence in re.split(r"(?<=[.!?])\s+", m.group(2).strip()):
                overlap = len(question & _content_words(sentence))
                if overlap > best[0]:
                    best = (overlap, sentence.strip(), m.group(1))
        if "[1]" in prompt and best[0] == 0:
            return "The sources do not say."
        if best[0]:
            return f"{best[1].rstrip('.')} [{best[2]}]."
        return question_line.split(":", 1)[-1].strip()

    def _pieces(
        self, messages: list[BaseMessage], stop: list[str] | None
    ) -> Iterator[str | UsageMetadata]:
        for token in re.split(r"(\s+)", self._reply(messages)):
            if token.strip() and self.delay:
                time.sleep(self.delay)
            if token:
                yield token


def _build(settings: Settings) -> FakeChatModel:
    delay = os.environ.get("NEWSRAG_FAKE_DELAY") or "0"
    try:
        return FakeChatModel(delay=float(delay))
    except ValueError:
        raise LLMError(f"fake LLM: NEWSRAG_FAKE_DELAY={delay!r} is not seconds.") from None


# It stands in for `local` in tests, so it queues the same way.
BACKEND = Backend("fake", _build, one_at_a_time=True)
