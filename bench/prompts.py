"""The prompt regression set: fixed questions about corpus/ with the facts a right answer names.

Small local models are very sensitive to prompt wording, so prompt changes are judged here, on
the default local model, before they land. Prints one line per question and a summary table.

    .venv/bin/python bench/prompts.py [--llm local] [--index DIR]
"""

from __future__ import annotations

import argparse
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

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llm", default="local")
    parser.add_argument("--index", type=Path, help="an index of corpus/ (default: build one)")
    args = parser.parse_args()
    index = args.index or Path(tempfile.mkdtemp(prefix="newsrag-prompts-")) / "index"
    settings = Settings.load(index=index, llm=args.llm)
    ingest([str(ROOT / "corpus")], settings)
    answerer = Answerer(settings)
    correct = cited = 0
    first, total = [], []
    for question, facts in QUESTIONS:
        answer = answerer.ask(question)
        if facts is None:
            good = answer.refused
        else:
            good = not answer.refused and any(f.lower() in answer.text.lower() for f in facts)
            cited += bool(answer.citations) and not answer.unsupported
        correct += good
        if answer.timings.first_token is not None:
            first.append(answer.timings.first_token)
        total.append(answer.timings.total)
        print(f"{'ok ' if good else 'BAD'} {question} -> {answer.text!r} (raw {answer.raw_text!r})")
    answerable = sum(1 for _, f in QUESTIONS if f is not None)
    print()
    print("| correct | answerable ones cited and supported | median first token | median total |")
    print("|---:|---:|---:|---:|")
    print(
        f"| {correct}/{len(QUESTIONS)} | {cited}/{answerable} | "
        f"{statistics.median(first) if first else float('nan'):.1f} s | "
        f"{statistics.median(total):.1f} s |"
    )


if __name__ == "__main__":
    main()
