"""What the index holds, for the status line, the outlet filter and the example questions."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.store import VectorStore
from rag.text import HEADLINE_NOT_NAMES
from rag.types import Passage

EXAMPLE_ARTICLES = 5  # newest articles the example questions are drawn from
MAX_EXAMPLES = 4

# A run of capitalised words ("Harbor Bridge", "MiniMax's"), possessive included.
_NAME = re.compile(r"\b[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*(?:['’]s)?")
_MONEY = re.compile(r"[$€£¥]\s?\d|\d(?:[.,]\d+)?\s?(?:million|billion|trillion|bn|m)\b", re.I)


@dataclass(frozen=True)
class IndexInfo:
    """Counts, date span and outlets of the index, plus its newest articles' first passages."""

    articles: int = 0
    chunks: int = 0
    oldest: str | None = None
    newest: str | None = None
    undated: int = 0
    outlets: tuple[tuple[str, int], ...] = ()
    newest_passages: tuple[Passage, ...] = field(default=(), compare=False)


def read_index_info(store: VectorStore) -> IndexInfo:
    """Read counts, dates and outlets from the store's metadata (no embedding involved)."""
    states = {aid: s for aid, s in store.articles().items() if s.complete}
    dates = sorted(s.published for s in states.values() if s.published)
    outlets = Counter(s.source for s in states.values() if s.source)
    # Newest first; undated articles after dated ones.
    order = sorted(states, key=lambda aid: states[aid].published or "", reverse=True)
    firsts = store.get([f"{aid}:0" for aid in order[:EXAMPLE_ARTICLES]]) if order else []
    return IndexInfo(
        articles=len(states),
        chunks=store.count(),
        oldest=dates[0] if dates else None,
        newest=dates[-1] if dates else None,
        undated=sum(1 for s in states.values() if not s.published),
        outlets=tuple(sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0]))),
        newest_passages=tuple(firsts),
    )


def names_in(title: str, text: str) -> list[str]:
    """Return the proper names of a headline, most mentioned in the text first.

    A capitalised headline word counts as a name only if the text also capitalises it in the
    middle of a sentence (headlines capitalise ordinary words too).
    """
    counts: dict[str, int] = {}
    for m in _NAME.finditer(title):
        words = re.sub(r"['’]s$", "", m.group()).split()
        while words and words[0] in HEADLINE_NOT_NAMES:
            words.pop(0)
        word = " ".join(words)
        if len(word) < 2 or word in HEADLINE_NOT_NAMES or word in counts:
            continue
        mid_sentence = 0
        for hit in re.finditer(rf"\b{re.escape(word)}\b", text):
            before = text[: hit.start()].rstrip()
            if before and before[-1] not in '.!?"“:':
                mid_sentence += 1
        if mid_sentence:
            counts[word] = mid_sentence
    return sorted(counts, key=lambda w: -counts[w])


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def questions_for(passage: Passage) -> list[str]:
    """Return questions a reader might ask about one article, from its title and first passage."""
    names = names_in(passage.title, passage.text)
    if not names:
        return []
    out = []
    for sentence in _sentences(passage.text):
        if not _MONEY.search(sentence):
            continue
        for name in names:
            m = re.search(rf"\b{re.escape(name)} is (\w+ing)\b", sentence)
            if m:
                out.append(f"How much is {name} {m.group(1)}?")
                break
        if out:
            break
    for name in names:
        if re.search(rf"\b{re.escape(name)}\b[^.]{{0,40}}\bfounded by\b", passage.text, re.I):
            out.append(f"Who founded {name}?")
            break
    out.append(f"What is the latest on {names[0]}?")
    return out


def example_questions(passages: Sequence[Passage], limit: int = MAX_EXAMPLES) -> list[str]:
    """Return up to `limit` example questions drawn from the given (newest) articles."""
    per_article = [questions_for(p) for p in passages]
    out: list[str] = []
    # Round-robin, so that each article gets a question before any gets a second one.
    for i in range(max((len(q) for q in per_article), default=0)):
        for questions in per_article:
            if i < len(questions) and questions[i] not in out:
                out.append(questions[i])
    return out[:limit]
