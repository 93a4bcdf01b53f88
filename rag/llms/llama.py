"""The `local` backend: a llama.cpp model, loaded once per process, one answer at a time.

Calls to the model are serialised by `GENERATION_LOCK` (llama.cpp contexts are not
thread-safe); `preload` loads it ahead of the first question. A llama.cpp built with AMX
kernels is kept off them (`_without_amx`).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.messages.ai import UsageMetadata

from rag.config import Settings
from rag.llms.base import Backend, LLMError, PieceStreamChat, TokenProbs, chat_role
from rag.llms.model_file import MODEL_FILE, local_model_path

_MODELS: dict[tuple[str, int, int], Any] = {}
_MODELS_LOCK = threading.Lock()
GENERATION_LOCK = threading.Lock()

STATE_CACHE_BYTES = 256 << 20


def load_llama(path: Path, n_ctx: int, threads: int) -> Any:
    """Load a GGUF model once per process (per path, context size and thread count)."""
    key = (str(path), n_ctx, threads)
    with _MODELS_LOCK:
        if key not in _MODELS:
            try:
                from llama_cpp import Llama, LlamaRAMCache
            except ImportError:
                raise LLMError(
                    "local LLM: llama-cpp-python is not installed: run `pip install "
                    "llama-cpp-python`, or use --llm openai."
                ) from None
            try:
                with _without_amx():
                    llama = Llama(
                        model_path=str(path),
                        n_ctx=n_ctx,
                        n_threads=threads or max(1, os.cpu_count() or 1),
                        n_batch=512,
                        flash_attn=True,  # 4% faster prompt evaluation on 2 cores
                        verbose=False,
                    )
                # llama.cpp reuses the evaluated prefix of the previous prompt (the system
                # prompt and worked example). The RAM cache keeps the model state after each
                # answer (about 5 MB), so the prefix survives a condensing call in between.
                llama.set_cache(LlamaRAMCache(capacity_bytes=STATE_CACHE_BYTES))
                _MODELS[key] = llama
            except (ValueError, RuntimeError) as exc:
                raise LLMError(f"local LLM: cannot load {path}: {exc}") from None
        return _MODELS[key]


def preload(llm: BaseChatModel) -> None:
    """Load a local model's weights now, so that the first answer's latency does not include it.

    Other backends have nothing to load. Raises LLMError when the model cannot load.
    """
    if isinstance(llm, LlamaCppChat):
        load_llama(Path(llm.model_path), llm.n_ctx, llm.threads)


@contextlib.contextmanager
def _without_amx() -> Iterator[None]:
    """Keep llama.cpp off its AMX kernels when it was compiled with them.

    A llama.cpp built with -march=native on a CPU that advertises AMX crashes (SIGSEGV in
    ggml_backend_amx_mul_mat) where the OS does not grant AMX tile state, as in the VMs we test
    on. The Makefile builds without AMX; for a build that has it, the model is loaded without
    llama.cpp's extra buffer types, which is where the AMX path lives.
    """
    import llama_cpp.llama_cpp as lib

    if b"AMX_INT8 = 1" not in lib.llama_print_system_info():
        yield
        return
    default = lib.llama_model_default_params

    def params() -> Any:
        p = default()
        p.use_extra_bufts = False
        return p

    lib.llama_model_default_params = params
    try:
        yield
    finally:
        lib.llama_model_default_params = default


class LlamaCppChat(PieceStreamChat):
    """A llama.cpp model as a streaming LangChain chat model (greedy decoding)."""

    model_path: str
    n_ctx: int = 4096
    threads: int = 0
    max_tokens: int = 256
    temperature: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _pieces(
        self, messages: list[BaseMessage], stop: list[str] | None
    ) -> Iterator[str | UsageMetadata | TokenProbs]:
        llama = load_llama(Path(self.model_path), self.n_ctx, self.threads)
        chat = [{"role": chat_role(m), "content": str(m.content)} for m in messages]
        chosen: list[tuple[int, float]] = []
        with GENERATION_LOCK:
            try:
                stream = llama.create_chat_completion(
                    messages=chat,
                    max_tokens=self.max_tokens,
                    temperature=self.temperature,
                    stop=stop,
                    stream=True,
                    logits_processor=[_Recorder(chosen)] if self.temperature == 0 else None,
                )
                generated = 0
                for part in stream:
                    text = part["choices"][0]["delta"].get("content")
                    if text:
                        generated += 1  # llama.cpp streams one token per chunk
                        yield text
                # The context now holds the prompt and the answer, minus its end token.
                prompt = max(0, llama.n_tokens - generated)
                yield UsageMetadata(
                    input_tokens=prompt, output_tokens=generated, total_tokens=prompt + generated
                )
                if chosen:
                    yield TokenProbs(
                        tuple(
                            (llama.detokenize([t]).decode("utf-8", "replace"), p) for t, p in chosen
                        )
                    )
            except ValueError as exc:  # e.g. the prompt does not fit the context window
                raise LLMError(f"local LLM: {exc}") from None


class _Recorder:
    """A llama.cpp logits processor that changes nothing and records, for each token greedy
    decoding picks, its id and its probability under the model (the softmax of the logits).

    It costs one pass over the vocabulary per generated token (under a millisecond).
    """

    def __init__(self, into: list[tuple[int, float]]) -> None:
        self.into = into

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        top = int(np.argmax(scores))
        self.into.append((top, float(1.0 / np.exp(scores - scores[top]).sum())))
        return scores


def _build(settings: Settings) -> LlamaCppChat:
    return LlamaCppChat(
        model_path=str(local_model_path(settings)),
        n_ctx=settings.llm_context,
        threads=settings.llm_threads,
        max_tokens=settings.max_answer_tokens,
    )


def _describe(settings: Settings) -> str:
    return f"local ({Path(settings.llm_model).name if settings.llm_model else MODEL_FILE})"


BACKEND = Backend("local", _build, describe=_describe, one_at_a_time=True)
