"""The `local` backend: a llama.cpp model, loaded once per process, one answer at a time.

Calls to the model are serialised by `GENERATION_LOCK` (llama.cpp contexts are not
thread-safe); `preload` loads it ahead of the first question. A llama.cpp built with AMX
kernels is kept off them (`_without_amx`). Several answers to prompts that differ only in
their last message are decoded together (`LlamaCppChat.read_many`).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.messages.ai import UsageMetadata

from rag.config import Settings
from rag.llms.base import Backend, LLMError, PieceStreamChat, TokenProbs, chat_role
from rag.llms.batch import FormBatch, greedy_choice
from rag.llms.model_file import MODEL_FILE, local_model_path

_MODELS: dict[tuple[str, int, int], Any] = {}
_MODELS_LOCK = threading.Lock()
GENERATION_LOCK = threading.Lock()

STATE_CACHE_BYTES = 256 << 20

READ_PROMPT_TOKENS = 1024
"""The longest last message (with its chat-template tokens) `read_many` decodes together; a
longer one is read on the chat's own context, one at a time. A source the chat shows alone
is at most the context budget (800 tokens) plus the question."""
_READERS: dict[tuple[Any, ...], Any] = {}  # the one batch context kept for `read_many`
_READ_LOCK = threading.Lock()  # held while that context is in use


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
        chat = _chat(messages)
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

    def read_many(
        self, conversations: Sequence[Sequence[BaseMessage]]
    ) -> list[tuple[str, UsageMetadata, list[list[Any]]]]:
        """Greedy answers to conversations that differ only in their last message, decoded
        together: (text, token usage, [token text, probability] for each token).

        On 2 cores a generated token costs about 70 ms whoever asks for it, so three answers
        decoded in one batch take little longer than the longest of them. The shared start
        (system prompt, worked example) is evaluated once and kept on a context of its own
        (`rag.llms.batch.FormBatch`, about 120 MB); each answer reads only its last message.
        Batched arithmetic rounds a little differently from one prompt at a time, so an
        answer can differ from `invoke`'s where two tokens are nearly tied.

        Conversations that do not share their start, or a last message too long for a slot,
        are read one at a time, as `invoke` would.
        """
        chats = [_chat(c) for c in conversations]
        start = chats[0][:-1] if chats and chats[0] else []
        if not chats or any(c[:-1] != start or c[-1]["role"] != "user" for c in chats):
            return [self._read_alone(c) for c in conversations]
        llama = load_llama(Path(self.model_path), self.n_ctx, self.threads)
        # One batch at a time on the kept context; the model itself is shared one decode step
        # at a time (GENERATION_LOCK), so a deal form or a condensing call is not held up.
        with _READ_LOCK:
            with GENERATION_LOCK:
                reader = self._reader(llama, start, len(chats))
            if not all(reader.fits(c[-1]["content"]) for c in chats):
                reader = None
            try:
                prompts = [(c[-1]["content"], None) for c in chats]
                replies = reader.replies(prompts, GENERATION_LOCK) if reader else None
            except RuntimeError as exc:
                raise LLMError(f"local LLM: {exc}") from None
        if replies is None:
            return [self._read_alone(c) for c in conversations]
        out = []
        for reply in replies:
            usage = UsageMetadata(
                input_tokens=reply.prompt_tokens,
                output_tokens=reply.generated,
                total_tokens=reply.prompt_tokens + reply.generated,
            )
            out.append((reply.text, usage, [[text, p] for text, p in reply.tokens]))
        return out

    def _reader(self, llama: Any, start: list[dict[str, str]], slots: int) -> Any:
        """The batch context for conversations that begin with `start` (made once and kept;
        another start replaces it). Call under GENERATION_LOCK."""
        key = (id(llama), json.dumps(start), self.max_tokens)
        reader = _READERS.get(key)
        if reader is None or reader.slots < slots:
            for old in _READERS.values():
                old.close()
            _READERS.clear()
            try:
                reader = FormBatch(
                    llama,
                    start,
                    slots=max(slots, 3),
                    max_tokens=self.max_tokens,
                    max_prompt=READ_PROMPT_TOKENS,
                )
            except RuntimeError as exc:
                raise LLMError(f"local LLM: {exc}") from None
            _READERS[key] = reader
        return reader

    def _read_alone(
        self, conversation: Sequence[BaseMessage]
    ) -> tuple[str, UsageMetadata, list[list[Any]]]:
        text, usage, probs = "", UsageMetadata(input_tokens=0, output_tokens=0, total_tokens=0), []
        for piece in self._pieces(list(conversation), None):
            if isinstance(piece, str):
                text += piece
            elif isinstance(piece, TokenProbs):
                probs = [[t, p] for t, p in piece.tokens]
            else:
                usage = piece
        return text.strip(), usage, probs


def _chat(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    """LangChain messages as llama.cpp's chat messages."""
    return [{"role": chat_role(m), "content": str(m.content)} for m in messages]


class _Recorder:
    """A llama.cpp logits processor that changes nothing and records, for each token greedy
    decoding picks, its id and its probability under the model (the softmax of the logits).

    It costs one pass over the vocabulary per generated token (under a millisecond).
    """

    def __init__(self, into: list[tuple[int, float]]) -> None:
        self.into = into

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        self.into.append(greedy_choice(scores))
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
