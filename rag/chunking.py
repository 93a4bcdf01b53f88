"""Article -> Chunks: sentence-aligned pieces that fit the embedding model's window.

Every chunk's `text` is `article.text[start:end]`, so citations can point back into the
article. Token counts come from the embedding model's own tokenizer, so nothing the model is
given is ever cut off: a sentence too long for the window is split at word boundaries.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence

from rag.embeddings import Embedder, Offsets, Tokens
from rag.text import split_sentences  # chunks end at sentence ends
from rag.types import Article, Chunk

# Title tokens beyond this are left out of what the model sees (the title is context for the
# embedding, not content; the chunk text itself is never shortened).
MAX_TITLE_TOKENS = 48


def _split_long(
    span: tuple[int, int], offsets: Offsets, limit: int
) -> list[tuple[tuple[int, int], int]]:
    """Cut one over-long span into pieces of at most `limit` tokens, at token boundaries."""
    a, _ = span
    pieces = []
    n = len(offsets)
    per = math.ceil(n / math.ceil(n / limit))
    for i in range(0, n, per):
        toks = offsets[i : i + per]
        pieces.append(((a + toks[0][0], a + toks[-1][1]), len(toks)))
    return pieces


def _pack(units: list[tuple[tuple[int, int], int]], target: int, hard: int) -> list[list[int]]:
    """Group consecutive (span, tokens) units into chunks near `target`, never above `hard`."""
    total = sum(t for _, t in units)
    n_chunks = max(1, math.ceil(total / target))
    soft = math.ceil(total / n_chunks)  # even sizes: no tiny last chunk
    groups: list[list[int]] = []
    current: list[int] = []
    size = 0
    for i, (_, tokens) in enumerate(units):
        fits_soft = size + tokens <= soft
        fits_hard = size + tokens <= hard and size < soft * 0.6
        if current and not (fits_soft or fits_hard):
            groups.append(current)
            current, size = [], 0
        current.append(i)
        size += tokens
    if current:
        groups.append(current)
    return groups


def chunk_article(article: Article, embedder: Embedder, target_tokens: int = 200) -> list[Chunk]:
    """Split an article into chunks of about `target_tokens` model tokens, title included.

    Args:
        article: the article to split; its text must not be empty.
        embedder: supplies the tokenizer and the window size.
        target_tokens: aimed-for size; capped at the model's window.

    Returns:
        Chunks in article order, each within the model's window with the title prepended.
    """
    return chunk_articles([article], embedder, target_tokens)[0]


def chunk_articles(
    articles: Sequence[Article], embedder: Embedder, target_tokens: int = 200
) -> list[list[Chunk]]:
    """Chunk many articles, tokenizing them in one batch (much faster than one at a time).

    Each article is tokenized once, whole; a sentence's tokens are those that start inside it
    (sentences are separated by whitespace, which no token spans).
    """
    window = embedder.max_tokens
    titles = [a.title.strip() for a in articles]
    tokens = embedder.tokenize([a.text for a in articles] + titles)
    title_offsets = [t.offsets for t in tokens[len(articles) :]]

    result = []
    for article, title, t_offs, body in zip(articles, titles, title_offsets, tokens):
        if len(t_offs) > MAX_TITLE_TOKENS:
            title = title[: t_offs[MAX_TITLE_TOKENS - 1][1]]
        title_tokens = min(len(t_offs), MAX_TITLE_TOKENS)
        prefix = f"{title}\n" if title else ""
        hard = window - title_tokens
        target = max(16, min(target_tokens, window) - title_tokens)
        offsets = body.offsets
        starts = [a for a, _ in offsets]
        units: list[tuple[tuple[int, int], int]] = []
        for span in split_sentences(article.text):
            lo, hi = bisect_left(starts, span[0]), bisect_left(starts, span[1])
            if hi - lo > hard:
                relative = [(a - span[0], b - span[0]) for a, b in offsets[lo:hi]]
                units.extend(_split_long(span, relative, target))
            elif hi > lo:
                units.append((span, hi - lo))
        chunks = []
        for group in _pack(units, target, hard):
            start = units[group[0]][0][0]
            end = units[group[-1]][0][1]
            n_tokens = title_tokens + sum(units[i][1] for i in group)
            chunks.append((start, end, n_tokens))
        result.append(_fit_window(article, prefix, title_tokens, chunks, embedder, window))
    return result


def _fit_window(
    article: Article,
    prefix: str,
    title_tokens: int,
    spans: list[tuple[int, int, int]],
    embedder: Embedder,
    window: int,
) -> list[Chunk]:
    """Build the chunks, tokenizing what the model will see; split any that overflow.

    Token counts of parts add up exactly for WordPiece, but not for every tokenizer, so the
    window is checked on the real input instead of trusted. The tokens are kept on each chunk:
    they are what ingest embeds.
    """
    texts = [prefix + article.text[s:e] for s, e, _ in spans]
    fitted: list[tuple[int, int]] = []
    tokens: list[Tokens | None] = []
    for (s, e, _), tok in zip(spans, embedder.tokenize(texts)):
        if len(tok) <= window:
            fitted.append((s, e))
            tokens.append(tok)
            continue
        body = embedder.token_offsets([article.text[s:e]])[0]
        for piece, _k in _split_long((s, e), body, window - title_tokens - 8):
            fitted.append(piece)
            tokens.append(None)
    missing = [i for i, t in enumerate(tokens) if t is None]
    redone = embedder.tokenize([prefix + article.text[slice(*fitted[i])] for i in missing])
    for i, again in zip(missing, redone):
        tokens[i] = again
    chunks = []
    for i, ((s, e), final) in enumerate(zip(fitted, tokens)):
        assert final is not None
        text = article.text[s:e]
        chunks.append(Chunk(article, i, s, e, text, prefix + text, len(final), tokens=final))
    return chunks
