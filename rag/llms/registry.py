"""The backends by name: adding one is a module with a `Backend` and one line in `BACKENDS`."""

from __future__ import annotations

from langchain_core.language_models.chat_models import BaseChatModel

from rag.config import Settings
from rag.llms import fake, llama, openai_compat
from rag.llms.base import Backend, LLMError, first_line

BACKENDS: dict[str, Backend] = {
    b.name: b for b in (llama.BACKEND, openai_compat.BACKEND, fake.BACKEND)
}
LLMS = tuple(BACKENDS)
# Backends that answer one request at a time in this process (the chat queues its users for
# them).
ONE_AT_A_TIME = tuple(name for name, b in BACKENDS.items() if b.one_at_a_time)


def get_llm(settings: Settings) -> BaseChatModel:
    """Return the chat model named by `settings.llm`.

    Raises:
        LLMError: unknown name, or a backend that is not configured or cannot load.
    """
    backend = BACKENDS.get(settings.llm)
    if backend is None:
        raise LLMError(f"unknown LLM {settings.llm!r}: choose one of {', '.join(LLMS)}.")
    return backend.build(settings)


def describe(settings: Settings) -> str:
    """Name the configured backend for status lines: "local (qwen2.5-coder...)"."""
    backend = BACKENDS.get(settings.llm)
    if backend is None or backend.describe is None:
        return settings.llm
    return backend.describe(settings)


def explain(exc: BaseException, settings: Settings) -> str:
    """Turn a backend failure into one line naming the backend and what to check."""
    if isinstance(exc, LLMError):
        return str(exc)
    backend = BACKENDS.get(settings.llm)
    if backend is not None and backend.explain is not None:
        return backend.explain(exc, settings)
    return f"{settings.llm} LLM failed: {first_line(exc)}"
