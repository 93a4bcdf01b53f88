"""Load and validate an eval question set: one JSON object a line (format in eval/README.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.limits import LimitError, loads_json


class QuestionFileError(ValueError):
    """A question file cannot be used; the message names FILE:LINE and the field."""


@dataclass(frozen=True)
class Question:
    """One eval question with its gold answers.

    `answerable` is False for a question the corpus cannot answer: no gold answers, or
    `answer_in_corpus` false. `history` holds earlier questions of the same conversation, asked
    first, in order.
    """

    id: str
    question: str
    answers: tuple[str, ...] = ()
    as_of: dt.date | None = None
    choices: tuple[str, ...] = ()
    answer_in_corpus: bool | None = None
    gold_urls: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    stale: bool = False  # a recency question whose only matching articles predate its window
    line: int = 0

    @property
    def answerable(self) -> bool:
        return bool(self.answers) and self.answer_in_corpus is not False

    @property
    def key(self) -> str:
        """Identify what is asked (not how it is scored): a changed key means ask again."""
        as_of = self.as_of.isoformat() if self.as_of else ""
        text = json.dumps([self.question, list(self.history), as_of], ensure_ascii=False)
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]

    def gold(self) -> dict[str, Any]:
        """Return the gold fields as plain JSON-ready data."""
        return {
            "answers": list(self.answers),
            "choices": list(self.choices),
            "answer_in_corpus": self.answer_in_corpus,
            "gold_urls": list(self.gold_urls),
            "answerable": self.answerable,
            "stale": self.stale,
        }


def week_of(question_id: object) -> str:
    """The week a RealtimeQA-style question belongs to: its id's part before the first "_"
    ("20231006_4" -> "20231006", the date of that week's quiz); the whole id when it has none."""
    return str(question_id).split("_")[0]


def _strings(obj: dict[str, Any], name: str, where: str, required: bool = False) -> tuple[str, ...]:
    if name not in obj or obj[name] is None:
        if required:
            raise _field_error(where, name, "missing (use [] for an unanswerable question)")
        return ()
    value = obj[name]
    if isinstance(value, list):  # numbers are fine as answers: 5 means "5"
        value = [
            str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in value
        ]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _field_error(where, name, f"must be a list of strings, not {_show(value)}")
    return tuple(v.strip() for v in value if v.strip())


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _field_error(where: str, name: str, message: str) -> QuestionFileError:
    """Build the one-line error for a bad field: `FILE:LINE: field: message`."""
    return QuestionFileError(f"{where}: {name}: {message}")


def parse_question(obj: Any, where: str, line: int = 0) -> Question:
    """Validate one decoded line; `where` is "FILE:LINE" for the error message.

    Raises:
        QuestionFileError: a required field is missing or a field has the wrong type.
    """
    if not isinstance(obj, dict):
        raise QuestionFileError(f"{where}: expected a JSON object, not {_show(obj)}")
    qid = obj.get("id")
    if isinstance(qid, int) and not isinstance(qid, bool):
        qid = str(qid)
    if not isinstance(qid, str) or not qid.strip():
        raise _field_error(where, "id", "missing or not a non-empty string")
    question = obj.get("question")
    if not isinstance(question, str) or not question.strip():
        raise _field_error(where, "question", "missing or not a non-empty string")
    answers = _strings(obj, "answers", where, required=True)
    as_of: dt.date | None = None
    raw_as_of = obj.get("as_of")
    if raw_as_of is not None:
        if not isinstance(raw_as_of, str):
            raise _field_error(
                where, "as_of", f"must be a YYYY-MM-DD string, not {_show(raw_as_of)}"
            )
        try:
            as_of = dt.date.fromisoformat(raw_as_of.strip()[:10]) if raw_as_of.strip() else None
        except ValueError:
            raise _field_error(
                where, "as_of", f"{raw_as_of!r} is not a date; use YYYY-MM-DD"
            ) from None
    in_corpus = obj.get("answer_in_corpus")
    if in_corpus is not None and not isinstance(in_corpus, bool):
        raise _field_error(
            where, "answer_in_corpus", f"must be true or false, not {_show(in_corpus)}"
        )
    if in_corpus is True and not answers:
        raise _field_error(where, "answers", "empty, but answer_in_corpus is true")
    stale = obj.get("stale", False)
    if not isinstance(stale, bool):
        raise _field_error(where, "stale", f"must be true or false, not {_show(stale)}")
    return Question(
        id=qid.strip(),
        question=question.strip(),
        answers=answers,
        as_of=as_of,
        choices=_strings(obj, "choices", where),
        answer_in_corpus=in_corpus,
        gold_urls=_strings(obj, "gold_urls", where),
        history=_strings(obj, "history", where),
        stale=stale,
        line=line,
    )


MAX_ERRORS_SHOWN = 20  # bad lines listed before the rest are only counted


def load_questions(path: str | Path) -> list[Question]:
    """Read a JSONL question file; blank lines are skipped, unknown fields ignored.

    Raises:
        QuestionFileError: `FILE:LINE: field: what is wrong`, one line for every bad line; also
            for a file that cannot be read, holds no question, or repeats an id.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"{path}: cannot read it: {exc}") from None
    questions: list[Question] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            q = _parse_line(line, where, n)
            if q.id in seen:
                raise _field_error(where, "id", f"{q.id!r} repeats the id of line {seen[q.id]}")
        except QuestionFileError as exc:
            errors.append(str(exc))
            continue
        seen[q.id] = n
        questions.append(q)
    if errors:
        more = len(errors) - MAX_ERRORS_SHOWN
        shown = errors[:MAX_ERRORS_SHOWN] + ([f"{path}: {more} more bad lines"] if more > 0 else [])
        raise QuestionFileError("\n".join(shown))
    if not questions:
        raise QuestionFileError(f"{path}: holds no questions (one JSON object a line)")
    return questions


def _parse_line(line: str, where: str, n: int) -> Question:
    """Decode and validate one line; any problem is a QuestionFileError naming FILE:LINE."""
    try:
        obj = loads_json(line)
    except json.JSONDecodeError as exc:
        raise QuestionFileError(
            f"{where}: malformed JSON at column {exc.colno}: {exc.msg}"
        ) from None
    except LimitError as exc:
        raise QuestionFileError(f"{where}: JSON {exc}") from None
    return parse_question(obj, where, n)
