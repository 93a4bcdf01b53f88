"""Batched JSON forms on the real local model (`rag.llms.batch.FormBatch`).

Slow (the real model) but run in CI: ingest fills every deal form this way.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

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


def test_free_text_replies_decoded_together_match_one_at_a_time(llama: Any) -> None:
    """With no schema, replies are free text with the model's probability for each token, and
    the shared start of the conversation (a system prompt and a worked example) is read once:
    the answers the chat reads from several sources at once."""
    from rag.llms import LlamaCppChat
    from rag.llms.llama import _READERS

    settings = Settings.load(llm="local")
    chat = LlamaCppChat(model_path=str(local_model_path(settings)), max_tokens=24)
    start = [
        SystemMessage("Answer in one word."),
        HumanMessage("What colour is the sky on a clear day?"),
        AIMessage("Blue."),
    ]
    questions = ["What is the capital of France?", "What is the opposite of hot?"]
    conversations = [[*start, HumanMessage(q)] for q in questions]
    _READERS.clear()
    together = chat.read_many(conversations)
    (reader,) = _READERS.values()
    alone = [chat.invoke(c).content for c in conversations]
    assert [text for text, _, _ in together] == alone
    assert "Paris" in alone[0] and "old" in alone[1].lower()
    for text, usage, tokens in together:
        assert "".join(t for t, _ in tokens) == text  # the end token is last, with no text
        assert tokens[-1][0] == "" and all(0 < p <= 1 for _, p in tokens)
        assert usage["output_tokens"] == len(tokens) - 1
        assert usage["input_tokens"] > len(reader.prefix) > 20
    # The start's context is kept for the next question, not built again.
    chat.read_many(conversations[:1])
    assert list(_READERS.values()) == [reader]


def test_conversations_that_cannot_share_a_batch_are_read_one_at_a_time(llama: Any) -> None:
    from rag.llms import LlamaCppChat
    from rag.llms.llama import _READERS

    settings = Settings.load(llm="local")
    chat = LlamaCppChat(model_path=str(local_model_path(settings)), max_tokens=8)
    _READERS.clear()
    different = [
        [SystemMessage("Answer in one word."), HumanMessage("What is the capital of France?")],
        [SystemMessage("Reply in French."), HumanMessage("What is the capital of France?")],
    ]
    replies = chat.read_many(different)
    assert "Paris" in replies[0][0] and replies[0][2] and replies[0][1]["output_tokens"] > 0
    assert not _READERS  # no batch context was made for them
    too_long = "word " * 1100 + "What is the capital of France?"
    system = SystemMessage("Answer in one word.")
    long_ones = [[system, HumanMessage(too_long)], [system, HumanMessage("Capital of Italy?")]]
    texts = [text for text, _, _ in chat.read_many(long_ones)]
    assert "Rome" in texts[1]
    reader = next(iter(_READERS.values()))
    assert not reader.fits(too_long) and reader.fits("Capital of Italy?")
