"""The embedding model's precision setting: bf16 where the CPU has it, same rankings as fp32."""

from __future__ import annotations

import pytest

from rag import embeddings
from rag.embeddings import (
    MissingModelError,
    SentenceTransformerEmbedder,
    get_embedder,
    resolve_precision,
)


def test_precision_values(monkeypatch: pytest.MonkeyPatch):
    assert resolve_precision("fp32") == "fp32"
    assert resolve_precision("bf16") == "bf16"
    # "auto" is bf16 exactly where the CPU multiplies bfloat16 natively.
    for fast, expected in [(True, "bf16"), (False, "fp32")]:
        monkeypatch.setattr(embeddings, "cpu_has_fast_bf16", lambda fast=fast: fast)
        assert resolve_precision("auto") == expected
    with pytest.raises(ValueError) as error:
        resolve_precision("fp8")
    assert str(error.value) == (
        "NEWSRAG_EMBEDDING_PRECISION='fp8' is not one of auto, fp32, bf16: set it to one of "
        "them, or unset it for auto."
    )
    assert not isinstance(error.value, MissingModelError)  # the model is fine; the setting not
    with pytest.raises(ValueError, match="NEWSRAG_EMBEDDING_PRECISION='FP32'"):
        get_embedder("", precision="FP32")


@pytest.mark.parametrize(("amx", "avx512_bf16"), [(True, False), (False, True), (False, False)])
def test_fast_bf16_means_amx_tiles_or_avx512_bf16(
    monkeypatch: pytest.MonkeyPatch, amx: bool, avx512_bf16: bool
):
    torch_cpu = pytest.importorskip("torch.cpu")
    monkeypatch.setattr(torch_cpu, "_is_amx_tile_supported", lambda: amx)
    monkeypatch.setattr(torch_cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    assert embeddings.cpu_has_fast_bf16() is (amx or avx512_bf16)


@pytest.mark.slow
def test_bf16_vectors_match_fp32_and_rank_the_same(real_embedder):
    fp32 = SentenceTransformerEmbedder(precision="fp32")
    bf16 = SentenceTransformerEmbedder(precision="bf16")
    bf16.__dict__["model"] = fp32.model = real_embedder.model  # one copy of the weights
    docs = [
        "Alibaba is reportedly leading MiniMax's new funding round of at least $600 million.",
        "The city council approved the bridge repair budget after a long debate.",
        "Storms flooded the river valley and closed three schools on Monday.",
        "The telescope found a galaxy far older than astronomers expected.",
    ]
    query = "Who is leading MiniMax's funding round?"
    a, b = fp32.embed(docs + [query]), bf16.embed(docs + [query])
    for u, v in zip(a, b):
        assert sum(x * y for x, y in zip(u, v)) > 0.999
    rank = [
        sorted(range(4), key=lambda i: -sum(x * y for x, y in zip(vs[i], vs[4]))) for vs in (a, b)
    ]
    assert rank[0] == rank[1] and rank[0][0] == 0


@pytest.mark.slow
def test_tokenizer_and_window_are_the_models_own(real_embedder):
    """Chunking reads tokenizer.json and the window before the model loads: they must agree."""
    texts = [
        "Alibaba is reportedly leading MiniMax's new funding round of at least $600 million.",
        "Café owners in Zürich—and São Paulo—said “no comment” (again) at 3:45 p.m.",
        "",
        "x" * 600,
    ]
    model = real_embedder.model
    ids = model.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
    assert [list(t.ids) for t in real_embedder.tokenize(texts)] == ids
    assert real_embedder.max_tokens == model.max_seq_length - 2


@pytest.mark.slow
def test_embedding_tokens_gives_the_vectors_of_embedding_texts(real_embedder):
    import numpy as np

    fp32 = SentenceTransformerEmbedder(precision="fp32")
    fp32.__dict__["model"] = real_embedder.model
    texts = [
        "MiniMax\nAlibaba is reportedly leading MiniMax's new funding round.",
        "Short.",
        "The council approved the bridge repair budget after a long debate that ran past "
        "midnight, with three members voting against it and two abstaining. " * 3,
    ] * 4  # 12 texts of different lengths: batched, sorted and padded
    by_tokens = np.asarray(fp32.embed_tokens(fp32.tokenize(texts)))
    by_text = np.asarray(fp32.embed(texts))
    assert by_tokens.shape == (12, 384)
    assert np.abs(by_tokens - by_text).max() < 1e-5
    assert len(fp32.embed_tokens([])) == 0
