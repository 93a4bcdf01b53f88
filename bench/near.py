"""Write the "near" question set: the answerable questions the corpus can answer near their date.

A question is kept when it has a gold answer, is not marked `answer_in_corpus: false`, and a
gold string occurs (as whole words, `eval.metrics.contains`) in the title or text of an
article published from `--before` days before to `--after` days after its as-of date. Those are
the questions retrieval can answer at all, so reading changes are compared on them without
the retrieval misses' noise. Lines are copied unchanged, in the order of the questions file.

    .venv/bin/python bench/near.py > near.jsonl
    newsrag eval near.jsonl --index IDX --refusal-threshold 0 --out eval-out/near
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RTQA = ROOT.parent / "shared" / "data" / "realtimeqa-2023q4"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=RTQA / "questions.jsonl")
    parser.add_argument("--articles", type=Path, default=RTQA / "articles.jsonl")
    parser.add_argument("--before", type=int, default=10, help="days before the as-of date")
    parser.add_argument("--after", type=int, default=7, help="days after the as-of date")
    args = parser.parse_args()

    from eval.metrics import contains

    by_day: dict[dt.date, list[str]] = defaultdict(list)
    with args.articles.open(encoding="utf-8") as f:
        for line in f:
            article = json.loads(line)
            try:
                day = dt.date.fromisoformat(str(article.get("published") or "")[:10])
            except ValueError:
                continue  # undated: no date to be near
            by_day[day].append(f"{article.get('title') or ''}\n{article.get('text') or ''}")

    kept = total = 0
    with args.questions.open(encoding="utf-8") as f:
        for line in f:
            q = json.loads(line)
            if not q.get("answers") or q.get("answer_in_corpus") is False:
                continue
            total += 1
            as_of = dt.date.fromisoformat(q["as_of"])
            days = (as_of + dt.timedelta(days=d) for d in range(-args.before, args.after + 1))
            if any(contains(text, q["answers"]) for day in days for text in by_day.get(day, ())):
                kept += 1
                sys.stdout.write(line if line.endswith("\n") else line + "\n")
    print(f"{kept} of {total} answerable questions kept", file=sys.stderr)


if __name__ == "__main__":
    main()
