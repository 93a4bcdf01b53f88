"""Deal forms one at a time against several at once (`rag.llms.batch.FormBatch`).

The deal step of ingest spends its time in the local model filling one JSON form per candidate
sentence. Until extractor version 6 it called llama-cpp-python's `create_chat_completion` once
per sentence; now `rag.deals.forms.LocalForms` decodes `FORM_SLOTS` forms together on a context
of its own, with the grammar checked on the greedy token first (see `rag/llms/batch.py`).

This times both on the sentences of a form cache written by `bench/deals.py --cache` (the
SENTiVENT candidate sentences) and prints a table: seconds, and how many forms are the same
text as `create_chat_completion`'s.

    .venv/bin/python bench/form_batching.py FORMS.json [--n 93] [--slots 1,4,8]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.config import Settings  # noqa: E402
from rag.deals.forms import MAX_FORM_TOKENS, form_schema  # noqa: E402
from rag.deals.money import find_money  # noqa: E402
from rag.deals.prompt import SYSTEM, user_prompt  # noqa: E402
from rag.llms import load_llama, local_model_path  # noqa: E402
from rag.llms.batch import FormBatch  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("forms", type=Path, help="a form cache from bench/deals.py --cache")
    parser.add_argument("--n", type=int, default=93, help="how many sentences")
    parser.add_argument("--slots", default="1,4,8", help="forms decoded together")
    args = parser.parse_args()

    settings = Settings.load(llm="local")
    sentences = [key.split("\n")[0].removeprefix("Sentence: ")
                 for key in json.loads(args.forms.read_text())][: args.n]  # fmt: skip
    prompts = [(user_prompt(s, find_money(s)), form_schema(s, find_money(s))) for s in sentences]
    llama = load_llama(local_model_path(settings), settings.llm_context, settings.llm_threads)
    llama.cache = None  # as the extractor had it: no state saved after each form

    def one_at_a_time(user: str, schema: dict) -> str:  # type: ignore[type-arg]
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
        out = llama.create_chat_completion(
            messages=messages,  # type: ignore[arg-type]
            response_format={"type": "json_object", "schema": schema},
            temperature=0.0,
            max_tokens=MAX_FORM_TOKENS,
        )
        return str(out["choices"][0]["message"]["content"]).strip()  # type: ignore[index]

    one_at_a_time(*prompts[0])  # the system prompt is evaluated once, outside the timing
    t = time.perf_counter()
    reference = [one_at_a_time(*p) for p in prompts]
    rows = [("`create_chat_completion`, one at a time", time.perf_counter() - t, len(prompts))]
    for slots in [int(x) for x in args.slots.split(",")]:
        batch = FormBatch(llama, SYSTEM, slots=slots, max_tokens=MAX_FORM_TOKENS)
        t = time.perf_counter()
        got = batch.run(prompts)
        rows.append((f"`FormBatch`, {slots} at a time", time.perf_counter() - t,
                     sum(a == b for a, b in zip(got, reference))))  # fmt: skip
        batch.close()
    print(f"Deal forms for {len(prompts)} SENTiVENT candidate sentences, default local model\n")
    print("| how | seconds | per form | forms the same as one at a time |")
    print("|---|---:|---:|---:|")
    for name, seconds, same in rows:
        print(f"| {name} | {seconds:.1f} | {seconds / len(prompts):.2f} | {same}/{len(prompts)} |")


if __name__ == "__main__":
    main()
