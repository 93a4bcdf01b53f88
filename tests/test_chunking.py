from __future__ import annotations

import json

import pytest

from rag.chunking import chunk_article, chunk_articles
from rag.embeddings import FakeEmbedder
from rag.text import split_sentences
from rag.types import Article
from tests.conftest import REALTIMEQA, make_record


@pytest.mark.parametrize(
    "sentences",
    [
        # Abbreviations and numbers stay inside their sentence; a line break always ends one.
        [
            "Mr. Smith met U.S. officials on Jan. 5 in Washington.",
            '"It went well," he said.',
            "The deal is worth $3.5 million!",
            "Is it enough? analysts asked.\n",
            "A new paragraph",
        ],
        # Initials end no sentence; a time of day may.
        [
            "The Phillies kept J.T. Realmuto for $115.5 million.",
            "J.R.R. Tolkien wrote it.",
            "The vote ended at 5 p.m.",
            "The count began.",
        ],
    ],
)
def test_split_sentences_ends_sentences_only_where_they_end(sentences: list[str]) -> None:
    text = " ".join(sentences).replace("\n ", "\n")
    got = [text[a:b] for a, b in split_sentences(text)]
    assert got == [s.rstrip("\n") for s in sentences]


def _covered(article: Article, chunks) -> str:
    mask = [False] * len(article.text)
    for c in chunks:
        for i in range(c.start, c.end):
            mask[i] = True
    return "".join(ch for ch, m in zip(article.text, mask) if not m)


@pytest.mark.parametrize("seed", range(5))
def test_chunks_cover_the_text_with_exact_offsets_and_fit_the_window(seed):
    embedder = FakeEmbedder(max_tokens=60)
    rec = make_record(seed, seed=seed, sentences=30)
    article = Article(title=rec["title"], text=rec["text"], url=rec["url"])
    chunks = chunk_article(article, embedder, target_tokens=50)
    assert len(chunks) > 3
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert c.text == article.text[c.start : c.end]
        assert c.embed_text == f"{article.title}\n{c.text}"
        assert len(embedder.token_offsets([c.embed_text])[0]) <= embedder.max_tokens
        assert c.article is article
    # Only whitespace falls between chunks; chunks are in order and do not overlap.
    assert _covered(article, chunks).strip() == ""
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))


def test_a_sentence_longer_than_the_window_is_split_not_truncated():
    embedder = FakeEmbedder(max_tokens=40)
    text = " ".join(f"word{i}" for i in range(300)) + "."
    article = Article(title="Long", text=text)
    chunks = chunk_article(article, embedder, target_tokens=40)
    assert len(chunks) >= 8
    assert " ".join(c.text for c in chunks) == text
    assert all(len(embedder.token_offsets([c.embed_text])[0]) <= 40 for c in chunks)


def test_chunks_are_even_sized_without_a_tiny_tail():
    embedder = FakeEmbedder(max_tokens=254)
    article = Article(title="T", text=" ".join(f"Sentence number {i} is here." for i in range(60)))
    sizes = [c.n_tokens for c in chunk_article(article, embedder, target_tokens=100)]
    assert max(sizes) - min(sizes) <= 12, sizes


@pytest.mark.slow
def test_real_tokenizer_window_on_real_news(real_embedder):
    """No chunk of real articles exceeds the model's 256-token window (254 + 2 special)."""
    if REALTIMEQA.is_dir():
        with open(REALTIMEQA / "articles.jsonl") as fh:
            records = [json.loads(next(fh)) for _ in range(150)]
    else:
        records = [make_record(i, sentences=80) for i in range(40)]
    articles = [Article(title=r["title"], text=r["text"], url=r["url"]) for r in records]
    # A pathological unbroken "sentence" and a huge title as well.
    articles.append(Article(title="x " * 400, text="y" * 5000 + " " + "z " * 3000))
    all_chunks = chunk_articles(articles, real_embedder, target_tokens=256)
    tok = real_embedder.model.tokenizer
    for article, chunks in zip(articles, all_chunks):
        assert chunks, article.title
        for c in chunks:
            n = len(tok(c.embed_text)["input_ids"])  # with [CLS] and [SEP]
            assert n <= real_embedder.model.max_seq_length == 256
            assert c.text == article.text[c.start : c.end]
        assert _covered(article, chunks).strip() == ""
