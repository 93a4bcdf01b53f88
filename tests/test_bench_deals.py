"""The scoring of deal extraction on annotated articles (`bench/deals.py`), on a made-up one."""

from __future__ import annotations

from typing import Any

from bench.deals import missed, score, unbacked
from rag.deals.mentions import Mention

TEXT = (
    "Harlow Systems agreed to buy Quintel Games for $6.8 billion. "
    "Larch Capital also owns shares of Pebble."
)
FIRST_END = TEXT.index(" Larch")


def _arg(slot: str, text: str, after: int = 0) -> dict[str, Any]:
    begin = TEXT.index(text, after)
    return {"slot": slot, "text": text, "begin": begin, "end": begin + len(text)}


DOC = {
    "id": "d1",
    "text": TEXT,
    "events": [
        {
            "type": "Merger/Acquisition",
            "trigger": "buy",
            "begin": TEXT.index("buy"),
            "speculative": False,
            "args": [
                _arg("buyer", "Harlow Systems"),
                _arg("target", "Quintel Games"),
                _arg("amount", "$6.8 billion"),
            ],
        },
        {
            "type": "Investment",
            "trigger": "owns",
            "begin": TEXT.index("owns"),
            "speculative": False,
            "args": [_arg("buyer", "Larch Capital"), _arg("target", "Pebble")],
        },
    ],
}


def _mention(**fields: Any) -> Mention:
    return Mention(article_id="d1", sentence=TEXT[:FIRST_END], start=0, end=FIRST_END,
                   type="acquisition", stage="announced", **fields)  # fmt: skip


def test_fields_count_where_they_stand_in_the_sentence() -> None:
    right = _mention(buyers=["Harlow Systems"], target="Quintel Games", amount="$6.8 billion")
    result = score([DOC], {"d1": [right]})
    # The first event is found whole; the second, in a sentence no mention holds, is missed.
    assert result["recall"] == {"buyer": [1, 2], "target": [1, 2], "amount": [1, 1]}
    assert result["precision"] == {"buyer": [1, 1], "target": [1, 1], "amount": [1, 1]}
    assert result["events_found"] == [1, 2] and result["type"] == [1, 1]
    assert result["rumoured"] == [1, 1]  # announced, and not speculative
    assert unbacked([DOC], {"d1": [right]}) == []
    lines = missed([DOC], {"d1": [right]})
    assert len(lines) == 1 and '"owns"' in lines[0] and "Larch Capital also owns" in lines[0]


def test_a_field_on_the_wrong_side_is_listed_as_unbacked() -> None:
    swapped = _mention(buyers=["Quintel Games"], target="Harlow Systems")
    result = score([DOC], {"d1": [swapped]})
    assert result["precision"]["buyer"] == [0, 1] and result["precision"]["target"] == [0, 1]
    assert result["recall"]["buyer"] == [0, 2]
    lines = unbacked([DOC], {"d1": [swapped]})
    assert [line.split(" (")[0] for line in lines] == [
        '- buyer "Quintel Games"',
        '- target "Harlow Systems"',
    ]
    assert "buyer: Harlow Systems; target: Quintel Games" in lines[0]
