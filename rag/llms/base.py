"""What every backend shares: the error it raises, the LangChain adapter, its registration."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from rag.config import Settings


class LLMError(RuntimeError):
    """The language model cannot answer; the message names the backend and what to check."""


@dataclass(frozen=True)
class Backend:
    """One chat model backend, as `rag.llms.registry` knows it.

    Attributes:
        name: what `--llm` / NEWSRAG_LLM calls it.
        build: make the chat model from the settings (raises LLMError when it cannot).
        describe: the status line's name for it ("local (qwen2.5-coder...)"); default `name`.
        explain: one line for a failure that is not an LLMError; default "NAME LLM failed: ...".
        one_at_a_time: it answers one request at a time in this process (the chat queues
            its users for it).
    """

    name: str
    build: Callable[[Settings], BaseChatModel]
    describe: Callable[[Settings], str] | None = None
    explain: Callable[[BaseException, Settings], str] | None = None
    one_at_a_time: bool = False


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type's name when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def chat_role(message: BaseMessage) -> str:
    """The chat-template role of a LangChain message: user, assistant or system."""
    return {"human": "user", "ai": "assistant", "system": "system"}.get(message.type, "user")


@dataclass(frozen=True)
class TokenProbs:
    """How sure the model was of each token it chose: (token text, probability) in order.

    A backend that can see its own next-token distribution reports this after the answer; it
    reaches the caller as the last chunk's `response_metadata["token_probs"]`.
    """

    tokens: tuple[tuple[str, float], ...]


class PieceStreamChat(BaseChatModel):
    """A chat model defined by `_pieces`: the answer's text pieces as they come, optionally
    followed by its token usage and its `TokenProbs`. `_generate` and `_stream` are both built
    from it."""

    def _pieces(
        self, messages: list[BaseMessage], stop: list[str] | None
    ) -> Iterator[str | UsageMetadata | TokenProbs]:
        raise NotImplementedError

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(p for p in self._pieces(messages, stop) if isinstance(p, str))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for piece in self._pieces(messages, stop):
            if isinstance(piece, TokenProbs):
                probs = [[text, p] for text, p in piece.tokens]
                message = AIMessageChunk(content="", response_metadata={"token_probs": probs})
                yield ChatGenerationChunk(message=message)
                continue
            if not isinstance(piece, str):
                yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=piece))
                continue
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
