"""The prompt regression set: fixed questions about corpus/ with the facts a right answer names.

Small local models are very sensitive to prompt wording, so prompt changes are judged here, on
the default local model, before they land. Prints one line per question and a summary table.

The prompt also names the as-of date ("Today is ..."), and the 1.5B model's reading of the same
sources can change with it. With several `--as-of` dates each question is asked as of each of
them, and a table gives how many of the dates each question was answered right on.

    .venv/bin/python bench/prompts.py [--llm local] [--index DIR] [--as-of DATE ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (question, facts any of which a right answer contains; None: the corpus cannot answer it)
QUESTIONS: list[tuple[str, list[str] | None]] = [
    ("How much is MiniMax seeking to raise?", ["600 million"]),
    ("Who is leading MiniMax's new funding round?", ["Alibaba"]),
    ("Who founded MiniMax?", ["Yan Junjie"]),
    ("When was MiniMax founded?", ["2021"]),
    ("Where is MiniMax based?", ["Shanghai"]),
    ("Which outlet first reported the MiniMax funding news?", ["China Star Market"]),
    ("How much did Moonshot AI raise?", ["1 billion"]),
    ("What is Alibaba's own large language model called?", ["Tongyi Qianwen"]),
    ("Who delivered the government work report?", ["Li Qiang"]),
    ("What was MiniMax's revenue in 2023?", None),
    ("How many employees does MiniMax have?", None),
    ("Who won the 2022 FIFA World Cup?", None),
]


def main() -> None:
    from rag.answering import Answerer
    from rag.config import Settings
    from rag.ingest import ingest
    from rag.retrieval import Filters

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llm", default="local")
    parser.add_argument("--index", type=Path, help="an index of corpus/ (default: build one)")
    parser.add_argument(
        "--as-of",
        action="append",
        type=dt.date.fromisoformat,
        help="ask as of this date (repeatable; default: today)",
    )
    args = parser.parse_args()
    index = args.index or Path(tempfile.mkdtemp(prefix="newsrag-prompts-")) / "index"
    settings = Settings.load(index=index, llm=args.llm)
    ingest([str(ROOT / "corpus")], settings)
    answerer = Answerer(settings)
    dates = args.as_of or [dt.date.today()]
    right: dict[str, list[bool]] = {q: [] for q, _ in QUESTIONS}
    rows = []
    for day in dates:
        correct = cited = 0
        first, total = [], []
        for question, facts in QUESTIONS:
            answer = answerer.ask(question, filters=Filters(as_of=day))
            if facts is None:
                good = answer.refused
            else:
                good = not answer.refused and any(f.lower() in answer.text.lower() for f in facts)
                cited += bool(answer.citations) and not answer.unsupported
            correct += good
            right[question].append(good)
            if answer.timings.first_token is not None:
                first.append(answer.timings.first_token)
            total.append(answer.timings.total)
            print(
                f"{'ok ' if good else 'BAD'} {day} {question} -> {answer.text!r} "
                f"(raw {answer.raw_text!r})"
            )
        rows.append((day, correct, cited, first, total))
    answerable = sum(1 for _, f in QUESTIONS if f is not None)
    print()
    print("| as of | correct | answerable ones cited and supported | median first token "
          "| median total |")  # fmt: skip
    print("|---|---:|---:|---:|---:|")
    for day, correct, cited, first, total in rows:
        print(
            f"| {day} | {correct}/{len(QUESTIONS)} | {cited}/{answerable} | "
            f"{statistics.median(first) if first else float('nan'):.1f} s | "
            f"{statistics.median(total):.1f} s |"
        )
    if len(dates) > 1:
        print(f"\n| question | right on ({len(dates)} as-of dates) |")
        print("|---|---:|")
        for question, hits in right.items():
            print(f"| {question} | {sum(hits)}/{len(hits)} |")
        steady = sum(all(h) or not any(h) for h in right.values())
        print(f"\nquestions with the same outcome on every date: {steady}/{len(right)}")


if __name__ == "__main__":
    main()
