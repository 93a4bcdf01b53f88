"""The `openai` backend: any server that speaks the OpenAI chat-completions API."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from rag.config import Settings
from rag.llms.base import Backend, LLMError, first_line


def lost_mid_answer(exc: BaseException, where: str) -> LLMError:
    """The error for a server that stopped in the middle of an answer (crashed, killed, cut off)."""
    how = "stalled" if "Timeout" in type(exc).__name__ else "lost the connection"
    return LLMError(
        f"openai LLM at {where} {how} mid-answer, after sending part of it: the answer is "
        "incomplete; check that the server is still running (its log says why it stopped)."
    )


@functools.cache
def _openai_chat() -> Any:
    """Return ChatOpenAI, made to tell a connection lost mid-answer from a finished answer."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise LLMError("openai LLM: run `pip install langchain-openai`.") from None

    class OpenAIChat(ChatOpenAI):
        """ChatOpenAI whose stream fails with LLMError when the server stops mid-answer, and
        reports the chosen tokens' probabilities the way the local backend does.

        A server killed mid-answer surfaces as a generic "Connection error." (chunked transfer)
        or, with a server that closes the connection to end the response, as a plain end of the
        stream: only the missing finish_reason (and usage) tells that the answer was cut short.

        The stream asks for `logprobs`; the probabilities it gets back end the stream as an
        empty chunk with `response_metadata["token_probs"]` (see `rag.llms.base.TokenProbs`),
        which the refusal rule reads. A server that refuses the parameter (HTTP 400 naming
        it) is asked again without it, and not asked for it again.
        """

        def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
            started = finished = False
            probs: list[list[Any]] = []
            try:
                for chunk in self._stream_with_fallback(*args, **kwargs):
                    started = started or bool(chunk.message.content)
                    info = chunk.generation_info or {}
                    usage = getattr(chunk.message, "usage_metadata", None)
                    finished = finished or bool(info.get("finish_reason") or usage)
                    probs.extend(_token_probs(info.get("logprobs")))
                    yield chunk
            except Exception as exc:
                if started and not finished:
                    raise lost_mid_answer(exc, str(self.openai_api_base)) from None
                raise
            if started and not finished:
                raise lost_mid_answer(ConnectionError(), str(self.openai_api_base))
            if probs:
                message = AIMessageChunk(content="", response_metadata={"token_probs": probs})
                yield ChatGenerationChunk(message=message)

        def _stream_with_fallback(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
            stream = super()._stream(*args, **kwargs)
            try:
                first = next(stream, None)
            except Exception as exc:
                if not self._dropped_logprobs(exc):
                    raise
                stream = super()._stream(*args, **kwargs)
                first = next(stream, None)
            if first is not None:
                yield first
                yield from stream

        def _generate(self, *args: Any, **kwargs: Any) -> Any:
            # Not streamed (the deal forms' `invoke`): the same fallback.
            try:
                return super()._generate(*args, **kwargs)
            except Exception as exc:
                if not self._dropped_logprobs(exc):
                    raise
                return super()._generate(*args, **kwargs)

        def _dropped_logprobs(self, exc: BaseException) -> bool:
            """Stop asking for logprobs when `exc` is the server refusing them (HTTP 400 naming
            them); tell whether it was."""
            if not self.logprobs or getattr(exc, "status_code", None) != 400:
                return False
            if "logprob" not in str(exc).lower():
                return False
            # None, not False: a server that does not know the parameters gets neither.
            self.logprobs = self.top_logprobs = None
            return True

    return OpenAIChat


def _token_probs(logprobs: Any) -> list[list[Any]]:
    """(token text, probability) pairs from a chunk's OpenAI `logprobs` ({"content": [...]})."""
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    out = []
    for item in content or []:
        try:
            out.append([str(item["token"]), math.exp(float(item["logprob"]))])
        except (KeyError, TypeError, ValueError):
            continue  # a server's odd entry costs only its own evidence
    return out


def _build(settings: Settings) -> BaseChatModel:
    if not settings.openai_base_url or not settings.openai_model:
        raise LLMError(
            "openai LLM: set NEWSRAG_OPENAI_BASE_URL (e.g. http://127.0.0.1:11434/v1 for "
            "Ollama) and NEWSRAG_OPENAI_MODEL."
        )
    chat: BaseChatModel = _openai_chat()(
        base_url=settings.openai_base_url,
        model=settings.openai_model,
        api_key=settings.openai_api_key or "not-needed",
        timeout=settings.llm_timeout,
        max_retries=1,
        temperature=0.0,
        max_completion_tokens=settings.max_answer_tokens,
        stream_usage=True,
        logprobs=True,
        top_logprobs=0,  # llama-cpp-python's server sends logprobs only when this is set
    )
    return chat


def _describe(settings: Settings) -> str:
    return f"openai ({settings.openai_model or '?'} at {settings.openai_base_url or '?'})"


def _explain(exc: BaseException, settings: Settings) -> str:
    """Name what to check for a failed request: the server, the timeout, the key, the model."""
    kind = type(exc).__name__
    where = settings.openai_base_url
    if "Timeout" in kind:
        return (
            f"openai LLM at {where} did not answer within {settings.llm_timeout:g} s: "
            "check that the server is up and not overloaded, or raise NEWSRAG_LLM_TIMEOUT."
        )
    if "Connection" in kind:
        return f"openai LLM at {where} cannot be reached: check that the server is running."
    status = getattr(exc, "status_code", None)
    if status in (401, 403):
        return f"openai LLM at {where} refused the API key (HTTP {status}): check it."
    if status == 404:
        return (
            f"openai LLM at {where} has no model {settings.openai_model!r} (HTTP 404): "
            "check NEWSRAG_OPENAI_MODEL."
        )
    return f"openai LLM at {where} failed: {first_line(exc)}"


BACKEND = Backend("openai", _build, describe=_describe, explain=_explain)
