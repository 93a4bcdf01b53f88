"""Answer speed and accuracy: newsrag's chain against the textbook LangChain "stuff" chain.

Both use the default local LLM, the same index and the same questions (the first N answerable
RealtimeQA questions, then M unanswerable ones, where declining is the right answer). The
textbook chain is the one in LangChain's RAG tutorial: the top-4
chunks by vector similarity pasted into "Answer the question based only on the following
context", streamed through `prompt | llm | StrOutputParser()`. Prints a table per chain and
writes bench/results/answer.json.

    .venv/bin/python bench/answer.py --index DIR [--n 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT.parent / "shared" / "data" / "realtimeqa-2023q4" / "questions.jsonl"
sys.path.insert(0, str(ROOT))

TEXTBOOK = """Answer the question based only on the following context:
{context}

Question: {question}"""


def textbook(settings, llm, retriever, question: str, as_of: dt.date) -> dict:
    """Run the tutorial chain once; return its answer, timings and token counts."""
    from langchain_core.prompts import ChatPromptTemplate

    from rag.retrieval import Filters

    t0 = time.perf_counter()
    docs = retriever.dense(question, 4, Filters(as_of=as_of))
    context = "\n\n".join(d.text for d in docs)
    chain = ChatPromptTemplate.from_template(TEXTBOOK) | llm
    parts, first, usage = [], None, None
    for message in chain.stream({"context": context, "question": question}):
        usage = getattr(message, "usage_metadata", None) or usage
        if message.content:
            first = first if first is not None else time.perf_counter() - t0
            parts.append(str(message.content))
    return {
        "text": "".join(parts),
        "first_token": first,
        "total": time.perf_counter() - t0,
        "prompt_tokens": usage["input_tokens"] if usage else None,
        "answer_tokens": usage["output_tokens"] if usage else None,
    }


def ours(answerer, question: str, as_of: dt.date) -> dict:
    """Run newsrag's chain once; return its answer, timings and token counts."""
    from rag.retrieval import Filters

    answer = answerer.ask(question, filters=Filters(as_of=as_of))
    t = answer.timings
    return {
        "text": answer.text,
        "refused": answer.refused,
        "first_token": t.first_token,
        "total": t.total,
        "prompt_tokens": t.prompt_tokens,
        "answer_tokens": t.answer_tokens,
    }


def says_not_known(text: str) -> bool:
    """The answer declines: newsrag's refusal, or the textbook chain saying the context lacks it."""
    from rag.citations import is_refusal

    return is_refusal(text) or bool(
        re.search(r"(context|text|information) (provided )?(does not|doesn't|did not)", text, re.I)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="index of the 2023 corpus")
    parser.add_argument("--n", type=int, default=30, help="answerable questions")
    parser.add_argument("--unanswerable", type=int, default=15, help="unanswerable questions")
    args = parser.parse_args()
    if not QUESTIONS.exists():
        sys.exit(f"needs ../shared beside the repository: {QUESTIONS} not found")

    from eval.metrics import answer_correct
    from rag.answering import Answerer
    from rag.config import Settings

    questions = [json.loads(line) for line in QUESTIONS.open()]
    chosen = [q for q in questions if q.get("answer_in_corpus")][: args.n]
    chosen += [q for q in questions if not q.get("answer_in_corpus")][: args.unanswerable]
    settings = Settings.load(index=args.index, llm="local")
    answerer = Answerer(settings)
    answerer.ask("warm up: who?")  # load both models outside the timings
    chains = {
        "newsrag": lambda q, day: ours(answerer, q, day),
        "textbook stuff top-4": lambda q, day: textbook(
            settings, answerer.llm, answerer.retriever, q, day
        ),
    }
    rows: dict[str, list[dict]] = {}
    # One chain after the other, as a user would run either: llama.cpp keeps the evaluated
    # prompt prefix (the system prompt) only until a prompt with another prefix comes along.
    for name, run in chains.items():
        rows[name] = []
        for q in chosen:
            result = run(q["question"], dt.date.fromisoformat(q["as_of"]))
            result["id"] = q["id"]
            result["answerable"] = bool(q.get("answer_in_corpus"))
            result["correct"] = answer_correct(result["text"], q["answers"], q.get("choices", []))
            result["declined"] = says_not_known(result["text"])
            rows[name].append(result)
            print(f"{name} {q['id']}: {result['text'][:80]!r}", file=sys.stderr, flush=True)

    def med(values: list) -> str:
        values = [v for v in values if v is not None]
        return f"{statistics.median(values):.1f}" if values else "-"

    n_ans = sum(q.get("answer_in_corpus", False) for q in chosen)
    n_una = len(chosen) - n_ans
    print(
        f"\n{n_ans} answerable and {n_una} unanswerable RealtimeQA questions, default local LLM, "
        f"{os.cpu_count()} cores; timings over all {len(chosen)}\n"
    )
    print("| chain | correct (answerable) | declined (unanswerable) | median first token (s) "
          "| median total (s) | median prompt tokens | median answer tokens |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, results in rows.items():
        answerable = [r for r in results if r["answerable"]]
        unanswerable = [r for r in results if not r["answerable"]]
        print(
            f"| {name} | {sum(r['correct'] for r in answerable)}/{len(answerable)} "
            f"| {sum(r['declined'] for r in unanswerable)}/{len(unanswerable)} "
            f"| {med([r['first_token'] for r in results])} | {med([r['total'] for r in results])} "
            f"| {med([r['prompt_tokens'] for r in results])} "
            f"| {med([r['answer_tokens'] for r in results])} |"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "answer.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
