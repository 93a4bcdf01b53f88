"""The small data types that flow through newsrag: Article -> Chunk -> Passage."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Article:
    """One news article, as loaded from a file, a feed or a web page.

    `id` is stable: the first 16 hex digits of sha1(url) when the article has a URL (the same
    scheme the RealtimeQA corpus uses), else of sha1 of its title and text.
    `origin` is where it was read from (a file path or URL), for error messages and so that
    re-reading a file replaces what that file gave before.
    """

    title: str
    text: str
    url: str | None = None
    source: str | None = None
    published: str | None = None
    authors: tuple[str, ...] = ()
    origin: str = ""
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            key = self.url if self.url else f"{self.title}\n{self.text}"
            object.__setattr__(self, "id", _sha1(key)[:16])

    @property
    def id_from_url(self) -> bool:
        """Tell whether the id was derived from the URL (else from the content)."""
        return bool(self.url)

    @property
    def content_hash(self) -> str:
        """Hash of everything that ends up in the index, so any change re-indexes the article."""
        parts = [
            self.title,
            self.text,
            self.url or "",
            self.source or "",
            self.published or "",
            "\x1f".join(self.authors),
        ]
        return _sha1("\x1e".join(parts))[:16]


@dataclass(frozen=True)
class Chunk:
    """A piece of an article small enough for the embedding model.

    `text == article.text[start:end]`; `embed_text` is what the model sees (title + text), and
    `tokens` how the embedder tokenised it, when the chunker made it (ingest embeds those).
    """

    article: Article
    index: int
    start: int
    end: int
    text: str
    embed_text: str
    n_tokens: int
    tokens: Any = field(default=None, compare=False, repr=False)

    @property
    def id(self) -> str:
        return f"{self.article.id}:{self.index}"


@dataclass(frozen=True)
class Passage:
    """A chunk returned by a search, with its score and the metadata needed to cite it."""

    chunk_id: str
    article_id: str
    text: str
    score: float
    title: str
    url: str | None
    source: str | None
    published: str | None
    authors: tuple[str, ...] = ()
    start: int = 0
    end: int = 0
    similarity: float = 0.0  # cosine similarity to the query, whatever ranked it


@dataclass(frozen=True)
class Citation:
    """A source cited by an answer as `[number]`, with the quote that supports the claim.

    `quote_start`/`quote_end` are character offsets of `quote` in the article's text.
    `supported` is False when a sentence citing it names numbers or names the quote's passage
    does not contain.
    """

    number: int
    article_id: str
    chunk_id: str
    title: str
    url: str | None
    source: str | None
    published: str | None
    quote: str
    quote_start: int
    quote_end: int
    supported: bool = True


@dataclass(frozen=True)
class Timings:
    """Seconds spent answering (retrieval, until the first answer token, in all) and tokens.

    Token counts are None when the backend does not report them.
    """

    retrieval: float = 0.0
    first_token: float | None = None
    total: float = 0.0
    prompt_tokens: int | None = None
    answer_tokens: int | None = None


@dataclass(frozen=True)
class Retrieved:
    """The sources of an answer, announced before the model reads them (`Answerer.stream`)."""

    passages: tuple[Passage, ...]
    shown: tuple[str, ...]
    seconds: float


@dataclass(frozen=True)
class Answer:
    """What `newsrag ask` returns: the text with `[n]` markers and what they point at.

    `passages[i]` is source number `i + 1` as shown to the model. A refused answer has no
    citations. `unsupported` lists the answer's sentences whose claims the cited passages do not
    back up.
    """

    question: str
    standalone_question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()
    unsupported: tuple[str, ...] = ()
    as_of: str = ""
    llm: str = ""
    timings: Timings = Timings()
    raw_text: str = ""  # what the model wrote, before checking (empty if it was not called)
    shown: tuple[str, ...] = ()  # what the model read of each passage (sentences may be cut)
    scope: dict[str, Any] | None = None  # the question's time window (rag.timescope)
    evidence: dict[str, Any] = field(default_factory=dict)  # what decided a refusal (rag.refusal)

    def to_dict(self) -> dict[str, object]:
        """Return the answer as plain JSON-ready data."""
        from dataclasses import asdict

        return asdict(self)
