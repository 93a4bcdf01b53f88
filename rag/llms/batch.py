"""Many short replies at once from the loaded local model: the deal forms' engine, and the
chat's reads of each source alone.

`create_chat_completion` answers one prompt at a time. On 2 cores a generated token costs
about 70 ms and a prompt token about 8: decoding is bound by reading the weights, so decoding
several replies in one llama.cpp batch costs little more than decoding one. `FormBatch` keeps
`slots` replies going on a context of its own over the same loaded weights:

- the system prompt is evaluated once, as sequence 0, and each reply's sequence starts as a
  copy of it (a unified KV cache shares those cells, it does not copy them);
- when a reply ends, the next prompt takes its slot in the following decode step (continuous
  batching), so short "no deal" forms do not leave a slot idle while a long form finishes;
- a form follows its own JSON-schema grammar (llama.cpp's GBNF, as `response_format`
  builds it), and the grammar is checked on the greedy token first: checking all ~150,000
  tokens only when that choice breaks the grammar gives the same token in far less time.

Decoding is greedy, as the forms ask for temperature 0. Replies are the same text as
`create_chat_completion`'s except where batched arithmetic rounds differently: of 93 SENTiVENT
forms, 82 were identical at 8 slots (`bench/form_batching.py`).

The chat's answer chain uses the same engine without a grammar (`Reply`, `replies`): the model
reads each of the best sources alone, and those reads share the system prompt and the worked
example, so they are decoded together (`rag.llms.llama.LlamaCppChat.read_many`).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

_BATCH = 512  # tokens per llama_decode call, as the chat context uses
_USER_MARK = "\x00USER\x00"


def greedy_choice(logits: Any) -> tuple[int, float]:
    """The token greedy decoding picks from a row of logits, and the model's probability for
    it (the softmax of the logits), in one pass over the vocabulary."""
    import numpy as np

    token = int(np.argmax(logits))
    return token, float(1.0 / np.exp(logits - logits[token]).sum())


@dataclass(frozen=True)
class Reply:
    """One reply: its text, each token chosen with the model's probability for it (the softmax
    of the logits; free text only, with the end token last), how many prompt tokens its
    sequence held, and how many tokens it generated (not counting the end token)."""

    text: str
    tokens: tuple[tuple[str, float], ...]
    prompt_tokens: int
    generated: int


class FormBatch:
    """Greedy chat replies to one fixed start of a conversation, `slots` at a time, each
    optionally constrained by a JSON schema.

    `system` is the system prompt, or the messages every conversation starts with (a system
    prompt and worked examples); each prompt adds one user message. A prompt holds at most
    `max_prompt` tokens (longer ones are cut: see `fits`).

    Not thread-safe: create it under `rag.llms.GENERATION_LOCK`, like every use of the model,
    and pass the lock to `run`, which holds it one decode step at a time.
    """

    def __init__(
        self,
        llama: Any,
        system: str | Sequence[Mapping[str, str]],
        *,
        slots: int = 4,
        max_tokens: int = 120,
        n_ctx: int = 4096,
        max_prompt: int = _BATCH,
    ) -> None:
        import llama_cpp as lc

        self.lc, self.llama, self.slots, self.max_tokens = lc, llama, slots, max_tokens
        self.max_prompt = max_prompt
        self.vocab = lc.llama_model_get_vocab(llama._model.model)
        self.n_vocab = lc.llama_vocab_n_tokens(self.vocab)
        start = [{"role": "system", "content": system}] if isinstance(system, str) else system
        head, self.tail = self._chat_text(start).split(_USER_MARK)
        self.prefix = self._tokens(head)
        # Each slot may hold a prompt of max_prompt tokens and its reply; sequence 0 the prefix.
        self.n_ctx = max(n_ctx, len(self.prefix) + slots * (max_prompt + max_tokens))
        params = lc.llama_context_default_params()
        params.n_ctx, params.n_batch, params.n_ubatch = self.n_ctx, _BATCH, _BATCH
        params.n_seq_max = slots + 1
        params.n_threads = params.n_threads_batch = llama.n_threads
        params.kv_unified = True
        params.flash_attn_type = lc.LLAMA_FLASH_ATTN_TYPE_ENABLED
        self.ctx = lc.llama_init_from_model(llama._model.model, params)
        if not self.ctx:
            raise RuntimeError("llama.cpp could not create a context for batched forms")
        self.memory = lc.llama_get_memory(self.ctx)
        self.batch = lc.llama_batch_init(_BATCH, 0, 1)
        self._decode([(t, i, 0, None) for i, t in enumerate(self.prefix)], {})

    def close(self) -> None:
        if self.ctx:
            self.lc.llama_batch_free(self.batch)
            self.lc.llama_free(self.ctx)
            self.ctx = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter shutdown the library may be gone
            self.close()

    def _chat_text(self, start: Sequence[Mapping[str, str]]) -> str:
        """The model's chat template around a placeholder user turn after `start`."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llama = self.llama
        formatter = Jinja2ChatFormatter(
            template=llama.metadata["tokenizer.chat_template"],
            eos_token=llama.detokenize([llama.token_eos()]).decode(),
            bos_token=llama.detokenize([llama.token_bos()]).decode(),
            add_generation_prompt=True,
        )
        messages = [*start, {"role": "user", "content": _USER_MARK}]
        return str(formatter(messages=messages).prompt)  # type: ignore[arg-type]

    def _tokens(self, text: str) -> list[int]:
        return list(self.llama.tokenize(text.encode(), add_bos=False, special=True))

    def fits(self, user: str) -> bool:
        """Whether a prompt's user message fits a slot uncut."""
        return len(self._tokens(user + self.tail)) <= self.max_prompt

    def _decode(self, entries: list[tuple[int, int, int, int | None]], live: dict) -> None:
        """Evaluate (token, position, sequence, slot wanting the next token or None).

        A slot's next token is chosen right after the llama_decode call that held its row,
        before a later call overwrites the logits.
        """
        lc = self.lc
        for start in range(0, len(entries), _BATCH):
            part = entries[start : start + _BATCH]
            self.batch.n_tokens = len(part)
            rows = []
            for i, (token, pos, seq, slot) in enumerate(part):
                self.batch.token[i], self.batch.pos[i] = token, pos
                self.batch.n_seq_id[i], self.batch.seq_id[i][0] = 1, seq
                self.batch.logits[i] = int(slot is not None)
                if slot is not None:
                    rows.append((i, slot))
            if lc.llama_decode(self.ctx, self.batch) != 0:
                raise RuntimeError("llama.cpp could not decode the batched forms")
            for row, slot in rows:
                self._choose(live[slot], row)

    def _choose(self, reply: dict[str, Any], row: int) -> None:
        """The greedy token the grammar allows, checking the greedy one alone first, and the
        model's probability for it."""
        import numpy as np

        lc = self.lc
        row_logits = lc.llama_get_logits_ith(self.ctx, row)
        logits = np.ctypeslib.as_array(row_logits, shape=(self.n_vocab,))
        if reply["chain"] is None:  # no grammar: the greedy token
            reply["next"], reply["p"] = greedy_choice(logits)
            return
        token = int(logits.argmax())
        one = (lc.llama_token_data * 1)(lc.llama_token_data(token, float(logits[token]), 0.0))
        cur = lc.llama_token_data_array(ctypes.cast(one, lc.llama_token_data_p), 1, -1, False)
        lc.llama_sampler_apply(reply["check"], ctypes.byref(cur))
        if one[0].logit == float("-inf"):
            token = int(lc.llama_sampler_sample(reply["chain"], self.ctx, row))  # accepts it
        else:
            lc.llama_sampler_accept(reply["chain"], token)
        lc.llama_sampler_accept(reply["check"], token)
        reply["next"] = token
        reply["p"] = None  # not needed for forms

    def _grammar(self, gbnf: bytes) -> Any:
        sampler = self.lc.llama_sampler_init_grammar(self.vocab, gbnf, b"root")
        if not sampler:
            raise RuntimeError("llama.cpp could not compile a form's grammar")
        return sampler

    def run(
        self,
        prompts: Sequence[tuple[str, dict[str, Any] | None]],
        lock: AbstractContextManager[Any] | None = None,
    ) -> list[str]:
        """The reply text to each (user message, JSON schema or None), in order."""
        return [reply.text for reply in self.replies(prompts, lock)]

    def replies(
        self,
        prompts: Sequence[tuple[str, dict[str, Any] | None]],
        lock: AbstractContextManager[Any] | None = None,
    ) -> list[Reply]:
        """The reply to each (user message, JSON schema or None for free text), in order.

        `lock` (the model's `GENERATION_LOCK`) is held for each decode step, not for the run.
        """
        from llama_cpp.llama_grammar import json_schema_to_gbnf

        lock = lock if lock is not None else contextlib.nullcontext()
        lc = self.lc
        replies: list[Reply | None] = [None] * len(prompts)
        waiting = list(range(len(prompts)))[::-1]  # popped from the end: first in, first out
        live: dict[int, dict[str, Any]] = {}
        free = list(range(self.slots, 0, -1))
        entries: list[tuple[int, int, int, int | None]] = []
        try:
            while waiting or live:
                # One decode step at a time under the lock: a chat answer waiting for the
                # model gets it between steps (a fraction of a second), not after the batch.
                with lock:
                    while waiting and free:  # start prompts in the free slots
                        slot, index = free.pop(), waiting.pop()
                        user, schema = prompts[index]
                        suffix = self._tokens(user + self.tail)[: self.max_prompt]
                        chain = check = None
                        if schema is not None:
                            gbnf = json_schema_to_gbnf(json.dumps(schema)).encode()
                            chain = lc.llama_sampler_chain_init(
                                lc.llama_sampler_chain_default_params()
                            )
                            lc.llama_sampler_chain_add(chain, self._grammar(gbnf))
                            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_greedy())
                            check = self._grammar(gbnf)
                        live[slot] = {
                            "index": index,
                            "chain": chain,
                            "check": check,
                            "pos": len(self.prefix) + len(suffix),
                            "prompt": len(self.prefix) + len(suffix),
                            "text": b"",
                            "tokens": [],
                            "n": 0,
                        }
                        lc.llama_memory_seq_rm(self.memory, slot, -1, -1)
                        lc.llama_memory_seq_cp(self.memory, 0, slot, -1, -1)
                        last = len(suffix) - 1
                        entries += [
                            (t, len(self.prefix) + i, slot, slot if i == last else None)
                            for i, t in enumerate(suffix)
                        ]
                    self._decode(entries, live)
                    entries = []
                    for slot, reply in list(live.items()):
                        token = reply["next"]
                        end = lc.llama_vocab_is_eog(self.vocab, token)
                        if end and reply["p"] is not None:  # as llama.cpp's own loop, the end
                            reply["tokens"].append(("", reply["p"]))  # token's is counted
                        if end or reply["n"] >= self.max_tokens:
                            replies[reply["index"]] = Reply(
                                reply["text"].decode("utf-8", "replace").strip(),
                                tuple(reply["tokens"]),
                                reply["prompt"],
                                reply["n"],
                            )
                            self._end(slot, live.pop(slot))
                            free.append(slot)
                            continue
                        piece = self.llama.detokenize([token])
                        reply["text"] += piece
                        if reply["p"] is not None:
                            reply["tokens"].append((piece.decode("utf-8", "replace"), reply["p"]))
                        reply["n"] += 1
                        entries.append((token, reply["pos"], slot, slot))
                        reply["pos"] += 1
                time.sleep(0)  # let a thread waiting for the lock take it
        finally:
            with lock:
                for slot in list(live):
                    self._end(slot, live.pop(slot))
        return [r for r in replies if r is not None]

    def _end(self, slot: int, reply: dict[str, Any]) -> None:
        if reply["chain"] is not None:
            self.lc.llama_sampler_free(reply["chain"])
            self.lc.llama_sampler_free(reply["check"])
        self.lc.llama_memory_seq_rm(self.memory, slot, -1, -1)
