"""Deal forms one at a time (today's extractor) against several at once: is batching worth it?

The deal step of ingest spends its time in the local model filling one JSON form per candidate
sentence (`rag.deals.forms.LocalForms`, llama-cpp-python's `create_chat_completion` under a
JSON-schema grammar). On 2 cores a generated token costs about 70 ms while a prompt token costs
about 8: decoding is bound by reading the weights, so decoding several forms in one batch (one
llama.cpp sequence per form, all sharing the evaluated system prompt) should cost little more
than decoding one. A second cost is the grammar: llama.cpp checks all ~150,000 tokens against
it at every step; checking only the model's greedy choice first, and the whole vocabulary only
when that choice breaks the grammar, gives the same token.

This measures both on the first N sentences of a form cache written by `bench/deals.py --cache`
(the SENTiVENT candidate sentences) and prints a table: seconds, and how many forms are the
same as `create_chat_completion`'s. It is a measurement of a design, not the product's code:
the extractor still fills forms one at a time.

    .venv/bin/python bench/form_batching.py FORMS.json [--n 40] [--sizes 1,4,8]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.config import Settings  # noqa: E402
from rag.deals.forms import MAX_FORM_TOKENS, form_schema  # noqa: E402
from rag.deals.mentions import SYSTEM, user_prompt  # noqa: E402
from rag.deals.money import Money, find_money  # noqa: E402
from rag.llms import local_model_path  # noqa: E402

USER_MARK = "\x00USER\x00"


class Batched:
    """Fills forms `size` at a time on a context of its own over the loaded model."""

    def __init__(self, llama: Any, size: int, greedy_first: bool) -> None:
        import llama_cpp as lc

        self.lc, self.llama, self.size, self.greedy_first = lc, llama, size, greedy_first
        self.vocab = lc.llama_model_get_vocab(llama._model.model)
        self.n_vocab = lc.llama_vocab_n_tokens(self.vocab)
        params = lc.llama_context_default_params()
        params.n_ctx, params.n_batch, params.n_ubatch = 4096, 512, 512
        params.n_seq_max = size + 1
        params.n_threads = params.n_threads_batch = llama.n_threads
        params.kv_unified = True  # sequences copy the shared prefix's cache
        params.flash_attn_type = lc.LLAMA_FLASH_ATTN_TYPE_ENABLED
        self.ctx = lc.llama_init_from_model(llama._model.model, params)
        self.memory = lc.llama_get_memory(self.ctx)
        self.batch = lc.llama_batch_init(512, 0, size + 1)
        # The chat template around a placeholder user turn: the part before it is shared.
        text = self._chat_text(USER_MARK)
        head, self.tail = text.split(USER_MARK)
        self.prefix = self._tokens(head)
        self._decode([(t, i, 0, False) for i, t in enumerate(self.prefix)])

    def _chat_text(self, user: str) -> str:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        meta = self.llama.metadata
        formatter = Jinja2ChatFormatter(
            template=meta["tokenizer.chat_template"],
            eos_token=self.llama.detokenize([self.llama.token_eos()]).decode(),
            bos_token=self.llama.detokenize([self.llama.token_bos()]).decode(),
        )
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
        return str(formatter(messages=messages).prompt)

    def _tokens(self, text: str) -> list[int]:
        return list(self.llama.tokenize(text.encode(), add_bos=False, special=True))

    def _decode(self, entries: list[tuple[int, int, int, bool]]) -> list[int]:
        """Evaluate (token, position, sequence, wants logits); the batch rows with logits."""
        rows = []
        for start in range(0, len(entries), 512):
            part = entries[start : start + 512]
            self.batch.n_tokens = len(part)
            rows = []
            for i, (token, pos, seq, want) in enumerate(part):
                self.batch.token[i], self.batch.pos[i] = token, pos
                self.batch.n_seq_id[i], self.batch.seq_id[i][0] = 1, seq
                self.batch.logits[i] = int(want)
                if want:
                    rows.append(i)
            if self.lc.llama_decode(self.ctx, self.batch) != 0:
                raise RuntimeError("llama_decode failed")
        return rows

    def _sample(self, seq: dict[str, Any]) -> int:
        lc = self.lc
        if self.greedy_first:
            import numpy as np

            logits = np.ctypeslib.as_array(
                lc.llama_get_logits_ith(self.ctx, seq["row"]), shape=(self.n_vocab,)
            )
            token = int(logits.argmax())
            one = (lc.llama_token_data * 1)(lc.llama_token_data(token, float(logits[token]), 0.0))
            cur = lc.llama_token_data_array(ctypes.cast(one, lc.llama_token_data_p), 1, -1, False)
            lc.llama_sampler_apply(seq["grammar"], ctypes.byref(cur))
            if one[0].logit != float("-inf"):
                lc.llama_sampler_accept(seq["chain"], token)
                lc.llama_sampler_accept(seq["grammar"], token)
                return token
        token = lc.llama_sampler_sample(seq["chain"], self.ctx, seq["row"])  # accepts it
        lc.llama_sampler_accept(seq["grammar"], token)
        return int(token)

    def fill(self, items: list[tuple[str, list[Money]]]) -> list[str]:
        from llama_cpp.llama_grammar import json_schema_to_gbnf

        lc = self.lc
        seqs, entries = [], []
        start = len(self.prefix)
        for n, (sentence, amounts) in enumerate(items, 1):
            lc.llama_memory_seq_rm(self.memory, n, -1, -1)
            lc.llama_memory_seq_cp(self.memory, 0, n, -1, -1)
            suffix = self._tokens(user_prompt(sentence, amounts) + self.tail)
            gbnf = json_schema_to_gbnf(json.dumps(form_schema(sentence, amounts))).encode()
            chain = lc.llama_sampler_chain_init(lc.llama_sampler_chain_default_params())
            lc.llama_sampler_chain_add(
                chain, lc.llama_sampler_init_grammar(self.vocab, gbnf, b"root")
            )
            lc.llama_sampler_chain_add(chain, lc.llama_sampler_init_greedy())
            grammar = lc.llama_sampler_init_grammar(self.vocab, gbnf, b"root")
            seqs.append({"seq": n, "pos": start + len(suffix), "chain": chain,
                         "grammar": grammar, "text": b"", "n": 0, "done": False})  # fmt: skip
            entries += [(t, start + i, n, i == len(suffix) - 1) for i, t in enumerate(suffix)]
        if len(entries) > 512:
            raise ValueError("too many prompt tokens for one batch")
        for seq, row in zip(seqs, self._decode(entries)):
            seq["row"] = row
        while True:
            going = []
            for seq in seqs:
                if seq["done"]:
                    continue
                token = self._sample(seq)
                if lc.llama_vocab_is_eog(self.vocab, token) or seq["n"] >= MAX_FORM_TOKENS:
                    seq["done"] = True
                    continue
                seq["text"] += self.llama.detokenize([token])
                seq["n"] += 1
                seq["token"] = token
                going.append(seq)
            if not going:
                break
            rows = self._decode([(s["token"], s["pos"], s["seq"], True) for s in going])
            for seq, row in zip(going, rows):
                seq["pos"] += 1
                seq["row"] = row
        for seq in seqs:
            lc.llama_sampler_free(seq["chain"])
            lc.llama_sampler_free(seq["grammar"])
            lc.llama_memory_seq_rm(self.memory, seq["seq"], -1, -1)
        return [s["text"].decode("utf-8", "replace").strip() for s in seqs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("forms", type=Path, help="a form cache from bench/deals.py --cache")
    parser.add_argument("--n", type=int, default=40, help="how many sentences")
    parser.add_argument("--sizes", default="1,4,8", help="batch sizes to try")
    args = parser.parse_args()

    from llama_cpp import Llama

    settings = Settings.load(llm="local")
    sentences = [key.split("\n")[0].removeprefix("Sentence: ")
                 for key in json.loads(args.forms.read_text())][: args.n]  # fmt: skip
    items = [(s, find_money(s)) for s in sentences]
    llama = Llama(model_path=str(local_model_path(settings)), n_ctx=settings.llm_context,
                  n_threads=2, n_batch=512, flash_attn=True, verbose=False)  # fmt: skip

    def one_at_a_time(sentence: str, amounts: list[Money]) -> str:
        messages = [{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": user_prompt(sentence, amounts)}]  # fmt: skip
        out = llama.create_chat_completion(
            messages=messages,  # type: ignore[arg-type]
            response_format={"type": "json_object", "schema": form_schema(sentence, amounts)},
            temperature=0.0,
            max_tokens=MAX_FORM_TOKENS,
        )
        return str(out["choices"][0]["message"]["content"]).strip()  # type: ignore[index]

    one_at_a_time(*items[0])  # the system prompt is evaluated once, outside the timing
    t = time.perf_counter()
    reference = [one_at_a_time(s, a) for s, a in items]
    rows = [("create_chat_completion, one at a time", time.perf_counter() - t, len(items))]
    for greedy_first, sizes in ((False, [1]), (True, [int(x) for x in args.sizes.split(",")])):
        for size in sizes:
            batched = Batched(llama, size, greedy_first)
            t = time.perf_counter()
            got = []
            for i in range(0, len(items), size):
                got += batched.fill(items[i : i + size])
            same = sum(a == b for a, b in zip(got, reference))
            name = f"{size} at a time, grammar {'after greedy' if greedy_first else 'on all'}"
            rows.append((name, time.perf_counter() - t, same))
    print(f"Deal forms for {len(items)} SENTiVENT candidate sentences, default local model\n")
    print("| how | seconds | per form | forms the same as one at a time |")
    print("|---|---:|---:|---:|")
    for name, seconds, same in rows:
        print(f"| {name} | {seconds:.1f} | {seconds / len(items):.2f} | {same}/{len(items)} |")


if __name__ == "__main__":
    main()
