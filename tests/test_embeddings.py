"""The embedding model's precision setting: bf16 where the CPU has it, same rankings as fp32."""

from __future__ import annotations

import pytest

from rag.embeddings import MissingModelError, SentenceTransformerEmbedder, resolve_precision


def test_precision_values():
    assert resolve_precision("fp32") == "fp32"
    assert resolve_precision("bf16") == "bf16"
    assert resolve_precision("auto") in {"fp32", "bf16"}
    with pytest.raises(MissingModelError, match="NEWSRAG_EMBEDDING_PRECISION='fp8' is not one of"):
        resolve_precision("fp8")


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
