"""When to say "The articles don't say.": evidence measured on an answer, and the rule on it.

The model is asked for its best answer from the sources; whether to show it is decided here,
from evidence that can be measured on every answer, not from the prompt's wording alone:

- the model said itself that the sources do not answer;
- every claim it made is missing from the sources it cited (the citation check);
- how many of the question's content words the best shown source holds (`topic`);
- how many of the answer's own content words (those not in the question) occur in a shown
  source (`grounded`): an answer made up of words no source has is a guess;
- an answer-type check: "how many" wants a number, "which country" a name, "when" a date;
- the model's own probabilities for the tokens of the answer's new words (`sure`, `weakest`),
  from backends that report them (the local one does): a model that hesitates over the name
  it gives is often guessing;
- whether every source the answer cites predates the question's window (`stale`: "this
  week" answered from a 2014 article). Such an answer is shown with its source's date, and
  it is right far less often (3 of 33 on the dev set), so it needs more support.

`support` folds these into one number in [0, 1]; the threshold on it is the setting
`refusal_threshold`, chosen from the refusal precision/recall curve on the dev set
(docs/benchmarks.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from rag.citations import Checked, is_refusal
from rag.text import REFUSAL_STOP_WORDS, split_sentences
from rag.types import Passage

_WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")
_NUMBER_Q = re.compile(r"\bhow (many|much|long|old|far|big|tall|large)\b|\bwhat (percentage|"
                       r"number|amount|share|age)\b", re.IGNORECASE)  # fmt: skip
_DATE_Q = re.compile(r"^\s*when\b|\bwhat (year|date|day|month)\b", re.IGNORECASE)
_NAME_Q = re.compile(
    r"\b(who|whom|whose)\b|\b(which|what) (country|city|state|company|team|nation|person|firm"
    r"|organization|organisation|university|school|brand|group|party|airline|bank|network|player"
    r"|singer|actor|actress|artist|band|club|publication|newspaper|agency|island|region|county"
    r"|province|capital|leader|president|celebrity|star)\b",
    re.IGNORECASE,
)
_HAS_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozen|hundred"
                         r"|thousand|million|billion|half|twice)\b", re.IGNORECASE)  # fmt: skip
_HAS_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+")
_HAS_DATE = re.compile(r"\b(1[89]\d\d|20\d\d|January|February|March|April|May|June|July|August"
                       r"|September|October|November|December|Monday|Tuesday|Wednesday|Thursday"
                       r"|Friday|Saturday|Sunday|yesterday|today|week|month|year)\b")  # fmt: skip
_MARKER = re.compile(r"\s*\[\d+(?:[^\]]*)\]")


def content_words(text: str) -> set[str]:
    """Lower-cased words of `text` that carry meaning (no stop words)."""
    return {w.lower().strip("'’") for w in _WORD.findall(text)} - REFUSAL_STOP_WORDS


def answer_type_ok(question: str, answer: str) -> bool:
    """Tell whether the answer has the kind of thing the question asks for (True if unknown)."""
    body = _MARKER.sub("", answer)
    if _NUMBER_Q.search(question):
        return bool(_HAS_NUMBER.search(body))
    if _DATE_Q.search(question):
        return bool(_HAS_DATE.search(body) or _HAS_NUMBER.search(body))
    if _NAME_Q.search(question):
        # A name: a capitalised word that does not only start the sentence.
        first_words = {body[s:e].split()[0] for s, e in split_sentences(body) if body[s:e].split()}
        names = {m.group() for m in _HAS_NAME.finditer(body)} | {
            w for w in first_words if w[:1].isupper() and w.lower() not in REFUSAL_STOP_WORDS
        }
        return bool(names)
    return True


_KIND_HINTS = {
    "number": "(Answer with the number or amount the sources give.)",
    "date": "(Answer with the date the sources give.)",
    "name": "(Answer with the name the sources give.)",
}


def answer_kind(question: str) -> str | None:
    """What kind of thing the question asks for: "number", "date", "name", or None."""
    if _NUMBER_Q.search(question):
        return "number"
    if _DATE_Q.search(question):
        return "date"
    if _NAME_Q.search(question):
        return "name"
    return None


def retry_hint(question: str, raw: str) -> str | None:
    """A reminder of what the question asks for, to ask again with, when the model answered
    something else ("How much did Moonshot AI raise?" answered with the article's title); None
    when the answer is of the right kind, the kind is unknown, or the model said the sources do
    not answer (a refusal is never argued with)."""
    kind = answer_kind(question)
    if kind is None or answer_type_ok(question, raw) or is_refusal(raw):
        return None
    return _KIND_HINTS[kind]


def token_confidence(
    tokens: Sequence[Sequence[Any]] | None, new_words: set[str]
) -> dict[str, float | None]:
    """How sure the model was of its answer, from its (token text, probability) pairs.

    `sure` is the geometric mean of the probabilities of the tokens inside the answer's new
    words (content words the question does not have; all the answer's words when there are
    none), `weakest` the lowest of them; the tokens of the [n] markers do not count. Both None
    when the backend reported no probabilities.
    """
    if not tokens:
        return {"sure": None, "weakest": None}
    text = "".join(str(t) for t, _ in tokens)
    starts, at = [], 0
    for t, _ in tokens:
        starts.append(at)
        at += len(str(t))
    markers = [m.span() for m in re.finditer(r"\[[^\]]*\]", text)]
    words = [(m.span(), m.group().lower().strip("'’")) for m in _WORD.finditer(text)]
    spans = [span for span, w in words if w in new_words] or [span for span, _ in words]
    inside = []
    for (t, p), start in zip(tokens, starts):
        end = start + len(str(t))
        if not str(t).strip() or any(start < b and a < end for a, b in markers):
            continue
        if any(start < b and a < end for a, b in spans):
            inside.append(max(float(p), 1e-6))
    if not inside:
        return {"sure": None, "weakest": None}
    return {
        "sure": round(math.exp(sum(math.log(p) for p in inside) / len(inside)), 3),
        "weakest": round(min(inside), 3),
    }


def gather_evidence(
    question: str,
    raw: str,
    checked: Checked,
    passages: Sequence[Passage],
    shown: Sequence[str],
    token_probs: Sequence[Sequence[Any]] | None = None,
    stale: bool = False,
) -> dict[str, Any]:
    """Measure what decides a refusal (see the module docstring); JSON-ready.

    `token_probs` are the model's (token text, probability) pairs for `raw`, if it gave them;
    `stale` tells that every source the answer cites predates the question's window.
    """
    answer = _MARKER.sub("", raw)
    words = content_words(question)
    texts = [f"{p.title}\n{t}".lower() for p, t in zip(passages, shown)]
    topic = max((sum(1 for w in words if w in t) / max(1, len(words)) for t in texts), default=0.0)
    new_words = content_words(answer) - words
    source_words: set[str] = set()
    for t in texts:
        source_words |= content_words(t)
    grounded = sum(1 for w in new_words if w in source_words) / len(new_words) if new_words else 0.0
    spans = split_sentences(raw)
    first = raw[spans[0][0] : spans[0][1]] if spans else raw
    said_no = (
        not re.search(r"\w", answer)
        or is_refusal(first)
        or (is_refusal(raw) and checked.supported_claims == 0)
    )
    evidence: dict[str, Any] = {
        "model_refused": said_no,
        "unsupported": bool(checked.unsupported) and not checked.supported_claims,
        "topic": round(topic, 3),
        "grounded": round(grounded, 3),
        "type_ok": answer_type_ok(question, answer),
        "top_similarity": round(max((p.similarity for p in passages), default=0.0), 3),
        **token_confidence(token_probs, new_words),
        "stale": stale,
    }
    if token_probs:
        evidence["tokens"] = [[str(t), round(float(p), 4)] for t, p in token_probs]
    evidence["support"] = support(evidence)
    return evidence


# Chosen with the threshold on the dev set, each week left out in turn (docs/benchmarks.md):
# at 0.7 no right answer is lost and 7 more unanswerable questions are declined.
STALE_FACTOR = 0.7


def support(evidence: dict[str, Any]) -> float:
    """Fold the evidence into one number in [0, 1]: how well the sources back the answer.

    The mean of `topic`, `grounded` and, when the backend reported token probabilities,
    `weakest` (the model's least sure token of its answer's new words), halved when the answer
    is not of the kind the question asks for, and times STALE_FACTOR when every cited source
    predates the question's window. On the dev set `weakest` separates right answers from wrong
    ones better than any other single measure (docs/benchmarks.md).
    """
    if evidence["model_refused"] or evidence["unsupported"]:
        return 0.0
    parts = [evidence["topic"], evidence["grounded"]]
    if evidence.get("weakest") is not None:
        parts.append(evidence["weakest"])
    value = sum(parts) / len(parts)
    if not evidence["type_ok"]:
        value *= 0.5
    if evidence.get("stale"):
        value *= STALE_FACTOR
    return round(value, 3)


def decide_refusal(evidence: dict[str, Any], threshold: float) -> bool:
    """Refuse when the model said so, when every claim it made is missing from the sources it
    cited, or when the evidence's support is below `threshold`."""
    return (
        bool(evidence["model_refused"] or evidence["unsupported"])
        or evidence["support"] < threshold
    )
