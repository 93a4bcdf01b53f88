"""Answer speed and accuracy: newsrag's chain against the textbook LangChain "stuff" chain.

Both use the default local LLM, the same index and the same questions (the first N answerable
RealtimeQA questions). The textbook chain is the one in LangChain's RAG tutorial: the top-4
chunks by vector similarity pasted into "Answer the question based only on the following
context", streamed through `prompt | llm | StrOutputParser()`. Prints a table per chain and
writes bench/results/answer.json.

    .venv/bin/python bench/answer.py --index DIR [--n 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="index of the 2023 corpus")
    parser.add_argument("--n", type=int, default=30, help="number of questions")
    args = parser.parse_args()
    if not QUESTIONS.exists():
        sys.exit(f"needs ../shared beside the repository: {QUESTIONS} not found")

    from eval.metrics import answer_correct
    from rag.answering import Answerer
    from rag.config import Settings
    from rag.retrieval import Filters

    questions = [json.loads(line) for line in QUESTIONS.open()]
    questions = [q for q in questions if q.get("answer_in_corpus")][: args.n]
    settings = Settings.load(index=args.index, llm="local")
    answerer = Answerer(settings)
    answerer.ask("warm up: who?")  # load both models outside the timings
    rows: dict[str, list[dict]] = {"newsrag": [], "textbook stuff top-4": []}
    for q in questions:
        as_of = dt.date.fromisoformat(q["as_of"])
        ours = answerer.ask(q["question"], filters=Filters(as_of=as_of))
        t = ours.timings
        rows["newsrag"].append(
            {
                "text": ours.text,
                "first_token": t.first_token,
                "total": t.total,
                "prompt_tokens": t.prompt_tokens,
                "answer_tokens": t.answer_tokens,
                "correct": answer_correct(ours.text, q["answers"], q.get("choices", [])),
            }
        )
        base = textbook(settings, answerer.llm, answerer.retriever, q["question"], as_of)
        base["correct"] = answer_correct(base["text"], q["answers"], q.get("choices", []))
        rows["textbook stuff top-4"].append(base)
        print(f"{q['id']}: ours {ours.text[:60]!r} | textbook {base['text'][:60]!r}", flush=True)

    def med(values: list) -> str:
        values = [v for v in values if v is not None]
        return f"{statistics.median(values):.1f}" if values else "-"

    print(f"\n{len(questions)} answerable RealtimeQA questions, default local LLM, 2 cores\n")
    print("| chain | correct | median first token (s) | median total (s) | median prompt tokens "
          "| median answer tokens |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    for name, results in rows.items():
        print(
            f"| {name} | {sum(r['correct'] for r in results)}/{len(results)} "
            f"| {med([r['first_token'] for r in results])} | {med([r['total'] for r in results])} "
            f"| {med([r['prompt_tokens'] for r in results])} "
            f"| {med([r['answer_tokens'] for r in results])} |"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "answer.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
