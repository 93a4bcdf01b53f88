"""Answer speed and accuracy: newsrag's chain against the textbook LangChain "stuff" chain.

Both use the default local LLM, the same index and the same questions (the first N answerable
RealtimeQA questions, then M unanswerable ones, where declining is the right answer). The
textbook chain is the one in LangChain's RAG tutorial: the top-4
chunks by vector similarity pasted into "Answer the question based only on the following
context", streamed through `prompt | llm | StrOutputParser()`. Prints a table per chain and
writes bench/results/answer.json.

    .venv/bin/python bench/answer.py --index DIR [--n 30]

The first 30 are a quick check with a wide margin of error. `--all` runs every question of the
set, `--chain textbook` one chain only, and `--rows F.jsonl` keeps each answer as it is made
(a run that stops resumes from it). `--against RESULTS.jsonl` sets the rows beside a `newsrag
eval` run of the same questions (its results.jsonl): right answers per week and per kind of
question, and the questions one chain gets right and the other does not.

    .venv/bin/python bench/answer.py --index DIR --all --chain textbook --rows tb.jsonl \
        --against eval-out/rtqa/results.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT.parent / "shared" / "data" / "realtimeqa-2023q4" / "questions.jsonl"
sys.path.insert(0, str(ROOT))

from eval.questions import week_of  # noqa: E402

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


CHAINS = ("newsrag", "textbook")
NAMES = {"newsrag": "newsrag", "textbook": "textbook stuff top-4"}


def load_rows(path: Path | None) -> dict[str, dict[str, dict]]:
    """The rows kept in `path` by an earlier run, by chain and question id."""
    kept: dict[str, dict[str, dict]] = {name: {} for name in NAMES.values()}
    if path is None or not path.exists():
        return kept
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            kept.setdefault(row["chain"], {})[str(row["id"])] = row
        except (ValueError, KeyError, TypeError) as exc:
            sys.exit(f"{path}:{number}: not a row of bench/answer.py ({exc})")
    return kept


def against(rows: list[dict], results: Path) -> str:
    """Set a chain's rows beside a `newsrag eval` run of the same questions, as markdown."""
    from bench.spread import kind

    ours_by_id = {}
    for number, line in enumerate(results.read_text().splitlines(), 1):
        if line.strip():
            try:
                record = json.loads(line)
                ours_by_id[str(record["id"])] = record
            except (ValueError, KeyError) as exc:
                sys.exit(f"{results}:{number}: not a newsrag eval record ({exc})")
    pairs = [(r, ours_by_id[str(r["id"])]) for r in rows if str(r["id"]) in ours_by_id]
    answerable = [(r, o) for r, o in pairs if r["answerable"]]
    unanswerable = [(r, o) for r, o in pairs if not r["answerable"]]
    lines = [
        f"{len(answerable)} answerable and {len(unanswerable)} unanswerable questions in both",
        "",
        "| group | newsrag right | other chain right | newsrag declined (unanswerable) "
        "| other chain declined (unanswerable) |",
        "|---|---:|---:|---:|---:|",
    ]

    def row(name: str, group: list[tuple[dict, dict]]) -> str:
        ans = [(r, o) for r, o in group if r["answerable"]]
        una = [(r, o) for r, o in group if not r["answerable"]]
        mine = sum(bool(o["scores"].get("correct")) for _, o in ans)
        theirs = sum(bool(r["correct"]) for r, _ in ans)
        declined = sum(bool(o["scores"].get("refused")) for _, o in una)
        their_declined = sum(bool(r["declined"]) for r, _ in una)
        return (
            f"| {name} | {mine}/{len(ans)} | {theirs}/{len(ans)} | {declined}/{len(una)} "
            f"| {their_declined}/{len(una)} |"
        )

    lines.append(row("**all**", pairs))
    weeks = sorted({week_of(r["id"]) for r, _ in pairs})
    lines += [row(f"week {w}", [p for p in pairs if week_of(p[0]["id"]) == w]) for w in weeks]
    kinds = sorted({kind(o["question"]) for _, o in pairs})
    lines += [row(k, [p for p in pairs if kind(p[1]["question"]) == k]) for k in kinds]
    # Right answers per week, newsrag's and the other chain's, counted in one pass.
    tally = {w: [0, 0] for w in weeks}
    for r, o in answerable:
        tally[week_of(r["id"])][0] += bool(o["scores"].get("correct"))
        tally[week_of(r["id"])][1] += bool(r["correct"])
    wins = [w for w, (mine, theirs) in tally.items() if mine > theirs]
    losses = [w for w, (mine, theirs) in tally.items() if mine < theirs]
    only_ours = [o for r, o in answerable if o["scores"].get("correct") and not r["correct"]]
    only_theirs = [(r, o) for r, o in answerable if r["correct"] and not o["scores"].get("correct")]
    both = sum(1 for r, o in answerable if r["correct"] and o["scores"].get("correct"))
    from eval.metrics import answer_names_gold

    def named(text: str, record: dict) -> bool:
        gold = record.get("gold") or {}
        return answer_names_gold(
            text, gold.get("answers") or [], gold.get("choices") or [], record["question"]
        )

    mine_named = sum(
        bool(o["scores"].get("correct"))
        or (not o["scores"].get("refused") and named((o.get("answer") or {}).get("text") or "", o))
        for _, o in answerable
    )
    theirs_named = sum(
        bool(r["correct"]) or (not r["declined"] and named(r["text"], o)) for r, o in answerable
    )
    lines += [
        "",
        f"Answerable right, graded leniently (eval/README.md): newsrag {mine_named}/"
        f"{len(answerable)}, the other chain {theirs_named}/{len(answerable)}",
        f"Weeks newsrag wins / loses / ties: {len(wins)} / {len(losses)} / "
        f"{len(weeks) - len(wins) - len(losses)}",
        f"Answerable right by both: {both}; by newsrag only: {len(only_ours)}; by the other "
        f"chain only: {len(only_theirs)} (exact McNemar test, two-sided: p = "
        f"{mcnemar(len(only_ours), len(only_theirs)):.2f})",
        "Right by the other chain only, by newsrag's outcome: "
        + (
            ", ".join(
                f"{k} {v}"
                for k, v in Counter(
                    o["scores"].get("category", "?") for _, o in only_theirs
                ).most_common()
            )
            or "none"
        ),
        "",
        "Right by the other chain only (newsrag's outcome, its answer; the other chain's answer):",
        "",
    ]
    for r, o in only_theirs:
        outcome = o["scores"].get("category", "?")
        text = ((o.get("answer") or {}).get("text") or "").replace("\n", " ")[:90]
        theirs_text = r["text"].replace("\n", " ")[:90]
        lines.append(f"- {r['id']} [{outcome}] {text!r}; other: {theirs_text!r}")
    return "\n".join(lines)


def mcnemar(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: how likely so uneven a split of the questions only one
    chain gets right would be if both chains were as good (a fair coin per question)."""
    n, k = only_a + only_b, min(only_a, only_b)
    if n == 0:
        return 1.0
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="index of the 2023 corpus")
    parser.add_argument("--n", type=int, default=30, help="answerable questions")
    parser.add_argument("--unanswerable", type=int, default=15, help="unanswerable questions")
    parser.add_argument("--all", action="store_true", help="every question of the set")
    parser.add_argument("--chain", choices=CHAINS, action="append",
                        help="run only this chain (repeatable; default both)")  # fmt: skip
    parser.add_argument("--rows", type=Path, help="JSON lines file: keep each answer, resume")
    parser.add_argument(
        "--against", type=Path, help="results.jsonl of a newsrag eval run of the same questions"
    )
    args = parser.parse_args()
    if not QUESTIONS.exists():
        sys.exit(f"needs ../shared beside the repository: {QUESTIONS} not found")
    if args.against and not args.against.exists():
        sys.exit(f"--against: {args.against} not found")

    from eval.metrics import answer_correct
    from rag.answering import Answerer
    from rag.config import Settings

    questions = [json.loads(line) for line in QUESTIONS.open()]
    if args.all:
        chosen = questions
    else:
        chosen = [q for q in questions if q.get("answer_in_corpus")][: args.n]
        chosen += [q for q in questions if not q.get("answer_in_corpus")][: args.unanswerable]
    settings = Settings.load(index=args.index, llm="local")
    kept = load_rows(args.rows)
    answerer = None

    def loaded() -> Answerer:
        nonlocal answerer
        if answerer is None:  # not when every answer was kept by an earlier run
            answerer = Answerer(settings)
            answerer.ask("warm up: who?")  # load both models outside the timings
        return answerer

    runs = {
        "newsrag": lambda q, day: ours(loaded(), q, day),
        "textbook": lambda q, day: textbook(settings, loaded().llm, loaded().retriever, q, day),
    }
    rows: dict[str, list[dict]] = {}
    # One chain after the other, as a user would run either: llama.cpp keeps the evaluated
    # prompt prefix (the system prompt) only until a prompt with another prefix comes along.
    for chain in args.chain or CHAINS:
        name, run = NAMES[chain], runs[chain]
        rows[name] = []
        for q in chosen:
            result = kept[name].get(str(q["id"]))
            if result is None:
                result = run(q["question"], dt.date.fromisoformat(q["as_of"]))
                result["id"] = q["id"]
                result["chain"] = name
                result["answerable"] = bool(q.get("answer_in_corpus"))
                result["correct"] = answer_correct(
                    result["text"], q["answers"], q.get("choices", [])
                )
                result["declined"] = says_not_known(result["text"])
                if args.rows:
                    with args.rows.open("a") as f:
                        f.write(json.dumps(result) + "\n")
                print(f"{name} {q['id']}: {result['text'][:80]!r}", file=sys.stderr, flush=True)
            rows[name].append(result)

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
    if args.against:
        for name, results in rows.items():
            if name != NAMES["newsrag"]:
                print(f"\n{name} beside the newsrag eval run {args.against}\n")
                print(against(results, args.against))


if __name__ == "__main__":
    main()
