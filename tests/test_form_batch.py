"""Batched JSON forms on the real local model (`rag.llms.batch.FormBatch`).

Slow (the real model) but run in CI: ingest fills every deal form this way.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from rag.config import Settings
from rag.llms import GENERATION_LOCK, load_llama, local_model_path
from rag.llms.batch import FormBatch

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Any:
    settings = Settings.load(index=tmp_path_factory.mktemp("forms") / "index", llm="local")
    return load_llama(local_model_path(settings), settings.llm_context, settings.llm_threads)


def _number(n: int) -> dict[str, Any]:
    word = {"type": "string", "maxLength": 12}
    return {"type": "object", "properties": {"n": {"const": n}, "word": word},
            "required": ["n", "word"], "additionalProperties": False}  # fmt: skip


class _Counting:
    """A lock that counts how often it is taken."""

    def __init__(self) -> None:
        self.taken = 0
        self.held = False

    def __enter__(self) -> None:
        assert not self.held
        self.taken += 1
        self.held = True

    def __exit__(self, *exc: object) -> None:
        self.held = False


def test_more_prompts_than_slots_each_get_their_own_reply_in_order(llama: Any) -> None:
    """Seven prompts through two slots: slots are refilled as replies end, every reply follows
    its own grammar (the model would rather write prose than `{"n": 5`), and comes back in the
    order asked."""
    prompts = [(f"Say the number {n} in words, as JSON.", _number(n)) for n in range(7)]
    lock = _Counting()
    with GENERATION_LOCK:
        batch = FormBatch(llama, "Reply with JSON only.", slots=2, max_tokens=40)
    try:
        replies = batch.run(prompts, lock=lock)
        again = batch.run(prompts[:3])
    finally:
        batch.close()
    # The lock is taken for each decode step (at least one per generated token of the longest
    # form), not once for the whole run, so the chat can answer in between.
    assert lock.taken >= max(len(r) for r in replies) // 8 and lock.taken > 7
    assert not lock.held
    forms = [json.loads(r) for r in replies]
    assert [f["n"] for f in forms] == list(range(7))
    assert all(isinstance(f["word"], str) for f in forms)
    assert again == replies[:3]  # greedy, and nothing left over from the previous run


def test_a_reply_cut_at_max_tokens_is_returned_unfinished(llama: Any) -> None:
    schema = {"type": "object", "properties": {"story": {"type": "string"}}, "required": ["story"]}
    with GENERATION_LOCK:
        batch = FormBatch(llama, "Reply with JSON only.", slots=2, max_tokens=5)
        try:
            (reply,) = batch.run([("Tell a long story.", schema)])
        finally:
            batch.close()
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply)
