"""What the model reads: the instructions with worked examples (`SYSTEM`) and, for each
candidate sentence, the sentence with its numbered money spans (`user_prompt`), of which the
model picks one by its number. Whatever fills the form is a `FormFiller` (`rag.deals.forms`).
A change here changes what the model extracts: it wants a new `EXTRACTOR_VERSION`
(`rag.deals.mentions`).
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from rag.deals.money import Money
from rag.deals.names import _squash


class FormFiller(Protocol):
    """Fills the deal form for one sentence: a dict following FORM_SCHEMA."""

    def __call__(self, sentence: str, amounts: list[Money]) -> dict[str, Any]: ...


INSTRUCTIONS = """You read one sentence from a news article and fill a form about the deal \
it states.
A deal is an acquisition, a merger, a funding round (a company raising money from investors) \
or a stake (buying part of a company).
Not deals: share price moves, earnings, loans, bonds, spending on projects, products, \
lawsuits, analysts' opinions, government budgets, aid, grants, tariffs, trade and sanctions.
Reply with JSON only:
- "deal": true only if the sentence itself states a specific deal between named companies or \
investors.
- "type": "acquisition", "merger", "funding round" or "stake".
- "buyers": the acquirers or investors named in the sentence, copied exactly. News outlets and \
people who report or comment on the deal are not buyers.
- "lead": the lead investor if the sentence says who leads, else null.
- "target": the company acquired, merged or receiving the money, copied exactly.
- "amount": the number of the amount paid or raised, from the numbered amounts given; 0 if none.
- "valuation": the number of the company's valuation, from the numbered amounts; 0 if none."""

# Worked examples, with invented companies: (sentence, amounts line, the form).
_EXAMPLES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "Nordwind Capital is reportedly joining as a lead investor in the latest funding round "
        "for Dutch AI startup Veldt.",
        "none",
        {"deal": True, "type": "funding round", "buyers": ["Nordwind Capital"],
         "lead": "Nordwind Capital", "target": "Veldt", "amount": 0, "valuation": 0},
    ),
    (
        "Harlow Systems agreed to buy Quintel Games for $6.8 billion in cash.",
        "[1] $6.8 billion",
        {"deal": True, "type": "acquisition", "buyers": ["Harlow Systems"], "lead": None,
         "target": "Quintel Games", "amount": 1, "valuation": 0},
    ),
    (
        "A report by Reuters said that Berlin-based Acme Robotics is seeking at least "
        "€50 million in new financing.",
        "[1] at least €50 million",
        {"deal": True, "type": "funding round", "buyers": [], "lead": None,
         "target": "Acme Robotics", "amount": 1, "valuation": 0},
    ),
    (
        "Shares of Boeing rose 3% to $210 after the company reported strong deliveries.",
        "[1] $210",
        {"deal": False},
    ),
    (
        "Congress approved $61 billion in military aid for Ukraine backed by President Biden.",
        "[1] $61 billion",
        {"deal": False},
    ),
]  # fmt: skip

SYSTEM = INSTRUCTIONS + "".join(
    f"\n\nSentence: {sentence}\nAmounts: {amounts}\n{json.dumps(form)}"
    for sentence, amounts, form in _EXAMPLES
)


def amounts_prompt(amounts: list[Money]) -> str:
    """The numbered amounts line the model picks from."""
    if not amounts:
        return "Amounts: none"
    return "Amounts: " + " ".join(f"[{i}] {m.text}" for i, m in enumerate(amounts, 1))


def user_prompt(sentence: str, amounts: list[Money]) -> str:
    return f"Sentence: {_squash(sentence)}\n{amounts_prompt(amounts)}"
