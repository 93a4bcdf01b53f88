"""bench/waterfall.py: the stages a right answer passes, counted in a chain."""

from __future__ import annotations

import datetime as dt

from bench.waterfall import STAGES, chained, stages, table
from eval.metrics import normalise

AS_OF = dt.date(2023, 10, 27)


def _record(gold: str, *, rank: int | None, shown: bool, correct: bool) -> dict:
    return {
        "id": "20231027_1",
        "as_of": AS_OF.isoformat(),
        "gold": {"answers": [gold], "choices": [gold, "Lidia"], "answerable": True},
        "answer": {"raw_text": None, "refused": True, "evidence": {}},  # never asked
        "scores": {"gold_rank": rank, "gold_shown": shown, "correct": correct},
    }


def _chunks(*rows: tuple[str, dt.date | None]) -> list[tuple[str, dt.date | None]]:
    return [(normalise(text), day) for text, day in rows]


def test_stages_tell_old_news_from_fresh_and_ignore_articles_from_after_the_question() -> None:
    chunks = _chunks(
        ("Deaths of 2013: Otis Redding's widow", dt.date(2013, 5, 1)),
        ("Hurricane Otis slammed into Acapulco", dt.date(2023, 11, 2)),  # after the question
    )
    got = stages(_record("Otis", rank=None, shown=False, correct=False), chunks, days=10)
    assert got[:2] == [True, False]  # in the corpus, but only in a 2013 article
    fresh = chunks + _chunks(("Hurricane Otis slammed into Acapulco", dt.date(2023, 10, 25)))
    got = stages(_record("Otis", rank=3, shown=True, correct=False), fresh, days=10)
    assert got[:4] == [True, True, True, True] and got[4:] == [False, False, False]
    # Whole words only: "Otis" is not in "Otisville".
    assert stages(_record("Otis", rank=None, shown=False, correct=False),
                  _chunks(("Otisville prison", AS_OF)), days=10)[:2] == [False, False]  # fmt: skip


def test_a_question_counts_at_a_stage_only_when_it_passed_every_stage_before() -> None:
    n = len(STAGES)
    passed = {
        "a": [True] * n,  # right all the way
        "b": [True, False, True, True, True, True, True],  # right from an old article
        "c": [True, True, True, False, False, False, False],  # retrieved, never read
    }
    rows = table(chained(passed), [["a", "b"], ["c"]])
    assert [r["questions"] for r in rows] == [3, 2, 2, 1, 1, 1, 1]
    assert [r["lost"] for r in rows] == [0, 1, 0, 1, 0, 0, 0]
    assert rows[-1]["week"] == (0.0, 0.25, 0.5)
