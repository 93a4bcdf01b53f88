"""bench/rescore.py: another embedder's order of the top passages, fused with today's."""

from __future__ import annotations

from bench.rescore import by_score, fused, gold_at


def test_another_order_is_fused_by_reciprocal_rank_and_scored_by_gold_at_k() -> None:
    # Today's order is the passages' position; the other model puts passage 2 first.
    other = by_score([[0.1, 0.2, 0.9]])
    assert other == [[2, 1, 0]]
    # A small weight keeps today's first passage first; a larger one lets the other's win.
    assert fused(other, 0.1)[0][0] == 0
    assert fused(other, 2.0)[0][0] == 2
    gold = [[False, False, True], [True, False, False]]
    assert gold_at(gold, [[2, 1, 0], [0, 1, 2]], 1) == 1.0
    assert gold_at(gold, [[0, 1, 2], [1, 2, 0]], 1) == 0.0
    assert gold_at(gold, [[0, 1, 2], [1, 2, 0]], 3) == 1.0
