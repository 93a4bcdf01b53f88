"""bench/answer.py: the rows it keeps for resuming, and the textbook chain set beside an eval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.answer import against, load_rows, mcnemar


def _row(qid: str, *, answerable: bool, correct: bool = False, declined: bool = False) -> dict:
    return {
        "id": qid,
        "chain": "textbook stuff top-4",
        "text": "Lidia" if correct else "I don't know",
        "answerable": answerable,
        "correct": correct,
        "declined": declined,
    }


def _record(
    qid: str, question: str, *, correct: bool = False, refused: bool = False, gold: str = "Lidia"
) -> dict:
    category = "correct" if correct else ("wrong_refusal" if refused else "wrong_answer")
    return {
        "id": qid,
        "question": question,
        "gold": {"answers": [gold], "choices": [gold, "Hurricane Lidia"]},
        "answer": {"text": "The articles don't say." if refused else "Otis [1]."},
        "scores": {"correct": correct, "refused": refused, "category": category},
    }


def test_kept_rows_are_read_back_by_chain_and_a_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(_row("20231027_1", answerable=True)) + "\n\n")
    kept = load_rows(path)
    assert list(kept["textbook stuff top-4"]) == ["20231027_1"] and kept["newsrag"] == {}
    assert load_rows(tmp_path / "absent.jsonl")["newsrag"] == {}
    path.write_text(path.read_text() + "{not json\n")
    with pytest.raises(SystemExit, match=r"rows.jsonl:3: not a row"):
        load_rows(path)


def test_against_counts_each_side_per_week_and_lists_the_other_chains_wins(
    tmp_path: Path,
) -> None:
    records = [
        _record("20231027_1", "Which hurricane hit Acapulco?", correct=True),
        _record("20231027_2", "Who won the race?", refused=True),
        # "Otis" names the choice "Hurricane Otis" only when graded leniently
        _record("20231103_1", "Which storm was it?", gold="Hurricane Otis"),
        _record("20231103_9", "Which city hosts it?", refused=True),  # unanswerable, declined
    ]
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in records))
    rows = [
        _row("20231027_1", answerable=True, correct=False),
        _row("20231027_2", answerable=True, correct=True),
        _row("20231103_1", answerable=True, correct=True),
        _row("20231103_9", answerable=False, declined=False),
        _row("20231222_5", answerable=True, correct=True),  # not in the eval run: left out
    ]
    text = against(rows, results)
    assert "3 answerable and 1 unanswerable questions in both" in text
    assert "| **all** | 1/3 | 2/3 | 1/1 | 0/1 |" in text
    assert "| week 20231027 | 1/2 | 1/2 | 0/0 | 0/0 |" in text
    assert "| week 20231103 | 0/1 | 1/1 | 1/1 | 0/1 |" in text
    assert "graded leniently (eval/README.md): newsrag 2/3, the other chain 2/3" in text
    assert "Weeks newsrag wins / loses / ties: 0 / 1 / 1" in text
    assert (
        "by newsrag only: 1; by the other chain only: 2 (exact McNemar test, two-sided: p = 1.00)"
        in text
    )
    assert "by newsrag's outcome: wrong_refusal 1, wrong_answer 1" in text
    assert "- 20231027_2 [wrong_refusal]" in text and "20231222_5" not in text


def test_mcnemar_is_the_two_sided_binomial_tail_of_the_discordant_questions() -> None:
    assert mcnemar(0, 0) == 1.0 and mcnemar(3, 3) == 1.0
    assert mcnemar(5, 0) == pytest.approx(2 / 32)  # all five one way: 2 * 0.5**5
    assert mcnemar(29, 20) == pytest.approx(mcnemar(20, 29)) == pytest.approx(0.2529, abs=1e-4)
    assert mcnemar(30, 5) < 0.001
