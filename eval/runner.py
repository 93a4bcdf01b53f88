"""Ask every question of a set through the answer chain; one fsynced record per question.

Re-running the same command resumes: a question whose id and wording already have a record
(without an error) is not asked again. Every record carries the settings it was made with, so
results of another LLM, index or setting are never mixed into one report: such a run stops
with an error instead, unless told to start fresh.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eval.metrics import RETRIEVE_K, score
from eval.questions import Question
from rag.config import SETTINGS, Settings
from rag.store import directory_lock

RESULTS = "results.jsonl"
# The settings that change what an answer can be; a record made under others is not reused.
CONFIG_SETTINGS = (
    "llm", "llm_model", "llm_context", "max_answer_tokens", "openai_base_url", "openai_model",
    "chroma_url", "collection", "embedding_model", "top_k", "context_tokens", "read_each",
    "min_similarity", "refusal_threshold",
)  # fmt: skip
MAX_LLM_ERRORS_IN_A_ROW = 5


class EvalError(RuntimeError):
    """The eval cannot run as asked; the message says what to do."""


@dataclass
class RunResult:
    """What a run did: the latest record of each question given, and counts."""

    records: dict[str, dict[str, Any]]
    config: dict[str, Any]
    asked: int = 0
    resumed: int = 0
    errors: int = 0
    ingest: str = ""
    notes: list[str] = field(default_factory=list)


def run_config(settings: Settings, questions_path: Path, index_fingerprint: str) -> dict[str, Any]:
    """Return what a record's answer depends on: settings, index (path and content), file."""
    config: dict[str, Any] = {name: getattr(settings, name) for name in CONFIG_SETTINGS}
    config["index"] = str(Path(settings.index).expanduser().resolve())
    config["index_content"] = index_fingerprint
    config["questions"] = Path(questions_path).name
    return config


def check_out(out: Path) -> None:
    """Make sure results can be written to `out`, creating it if needed.

    Raises:
        EvalError: `out` cannot be created or written to (read-only, under a file, no room).
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".newsrag-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise EvalError(
            f"Cannot write to --out {out} ({exc.strerror or type(exc).__name__}): make it "
            "writable or pass another --out."
        ) from None


def _out_lock(out: Path) -> AbstractContextManager[None]:
    busy = EvalError(f"Another newsrag eval is writing to {out}: wait for it, or pass --out DIR.")
    return directory_lock(out, busy)


def read_results(path: Path, repair: bool = False) -> list[dict[str, Any]]:
    """Read results.jsonl; a last line cut short by a crash is dropped (and cut off if `repair`).

    Raises:
        EvalError: a complete line is not a JSON record.
    """
    if not path.exists():
        return []
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data) and repair:
        with open(path, "r+b") as fh:
            fh.truncate(end)
            os.fsync(fh.fileno())
    records = []
    for n, line in enumerate(data[:end].decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            rec = None
        if not isinstance(rec, dict) or "id" not in rec:
            raise EvalError(f"{path}:{n}: not a results record: pass --fresh to start over.")
        records.append(rec)
    return records


def _append(path: Path, record: dict[str, Any]) -> None:
    """Append one record and make sure it is on disk before the next question is asked."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


_DEFAULTS = {s.name: s.default for s in SETTINGS}


def _same_config(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Tell whether a record's config is this run's; a setting added since the record was made
    matches when this run leaves it at its default."""
    filled = {k: _DEFAULTS[k] for k in new if k not in old and k in _DEFAULTS}
    return {**filled, **old} == new


def _differences(old: dict[str, Any], new: dict[str, Any]) -> str:
    keys = sorted(set(old) | set(new))
    diffs = [
        f"{k}: {old.get(k)!r} there, {new.get(k)!r} now" for k in keys if old.get(k) != new.get(k)
    ]
    return "; ".join(diffs)


def _passage(p: Any, rank: int | None = None) -> dict[str, Any]:
    d = asdict(p)
    return {"rank": rank, **d} if rank is not None else d


def ask_one(answerer: Any, q: Question, config: dict[str, Any]) -> dict[str, Any]:
    """Ask one question (after its history) and return its results record, scored.

    QuestionError and LLMError are recorded in the record's `error`, not raised.
    """
    from rag.answering import QuestionError, Turn
    from rag.llms import LLMError
    from rag.retrieval import Filters

    filters = Filters(as_of=q.as_of)
    record: dict[str, Any] = {
        "id": q.id,
        "question": q.question,
        "as_of": filters.effective_as_of.isoformat(),
        "history": [],
        "gold": q.gold(),
        "answer": None,
        "citations": [],
        "passages": [],
        "retrieved": [],
        "timings": None,
        "scores": None,
        "error": None,
        "key": q.key,
        "config": config,
        "asked_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    try:
        turns: list[Any] = []
        for earlier in q.history:
            prior = answerer.ask(earlier, history=turns, filters=filters)
            turns.append(Turn(earlier, prior.text))
            record["history"].append(
                {"question": earlier, "answer": prior.text, "refused": prior.refused}
            )
        answer = answerer.ask(q.question, history=turns, filters=filters)
        retrieved = answerer.retriever.retrieve(answer.standalone_question, RETRIEVE_K, filters)
    except (QuestionError, LLMError) as exc:
        record["error"] = f"{type(exc).__name__}: {exc}"
        record["scores"] = score(record["gold"], record)
        return record
    record["answer"] = {
        "text": answer.text,
        "refused": answer.refused,
        "standalone_question": answer.standalone_question,
        "unsupported": list(answer.unsupported),
        "raw_text": answer.raw_text,
        "llm": answer.llm,
        "scope": answer.scope,
        "evidence": answer.evidence,
    }
    record["citations"] = [asdict(c) for c in answer.citations]
    record["passages"] = [
        {**_passage(p), **({"shown": answer.shown[i]} if i < len(answer.shown) else {})}
        for i, p in enumerate(answer.passages)
    ]
    record["retrieved"] = [_passage(p, rank) for rank, p in enumerate(retrieved, 1)]
    record["timings"] = asdict(answer.timings)
    record["scores"] = score(record["gold"], record)
    return record


def run_eval(
    questions: Sequence[Question],
    settings: Settings,
    out: Path,
    *,
    questions_path: Path,
    llm: Any | None = None,
    fresh: bool = False,
    progress: bool = True,
    echo: Callable[[str], None] | None = None,
) -> RunResult:
    """Ask every question not already scored in `out`/results.jsonl and return all records.

    Args:
        questions: the questions to score, in order.
        settings: index, LLM and retrieval settings.
        out: the output folder; results.jsonl there is appended to, one record per question.
        questions_path: the question file (its name is part of the run's settings).
        llm: a LangChain chat model to use instead of the one `settings.llm` names.
        fresh: discard earlier records in `out` instead of resuming from them.
        progress: show a progress bar on stderr.
        echo: called with one-line notes (resuming, skipped records).

    Raises:
        EvalError: the index is empty, `out` holds results made with other settings, or
            the model failed on several questions in a row.
        LLMError: the configured model cannot be loaded at all.
    """
    from rag.answering import Answerer
    from rag.llms import preload
    from rag.store import fingerprint

    say = echo or (lambda _: None)
    out = Path(out)
    answerer = Answerer(settings, llm=llm)
    states = answerer.retriever.store.articles()
    if not states:
        raise EvalError(
            f"The index at {settings.chroma_url or settings.index} holds no articles: "
            "pass --corpus FILE_OR_DIR (or run `newsrag ingest` first)."
        )
    config = run_config(settings, questions_path, fingerprint(states))
    path = out / RESULTS
    check_out(out)
    with _out_lock(out):
        if fresh and path.exists():
            path.unlink()
        result, todo = _resume(path, questions, config, say)
        if not todo:
            return result
        # Fail now if the model cannot load, and keep its loading out of the first latency.
        preload(answerer.llm)
        bar = _progress(len(questions), result.resumed, progress)
        try:
            _ask_all(answerer, todo, path, result, bar)
        finally:
            if bar is not None:
                bar.close()
    result.records = {q.id: result.records[q.id] for q in questions if q.id in result.records}
    return result


def _resume(
    path: Path, questions: Sequence[Question], config: dict[str, Any], say: Callable[[str], None]
) -> tuple[RunResult, list[Question]]:
    """Read the records already in `path`; return them as a RunResult, and the questions to ask.

    Raises:
        EvalError: a record was made with other settings.
    """
    existing = read_results(path, repair=True)
    for rec in existing:
        if not _same_config(rec.get("config") or {}, config):
            diffs = _differences(rec.get("config") or {}, config)
            raise EvalError(
                f"{path} holds results made with other settings ({diffs}): "
                "pass --fresh to discard them, or --out DIR to keep both."
            )
    latest = {rec["id"]: rec for rec in existing}
    wanted = {q.id for q in questions}
    done = {
        q.id: latest[q.id]
        for q in questions
        if q.id in latest and latest[q.id].get("key") == q.key and not latest[q.id].get("error")
    }
    result = RunResult(records=dict(done), config=config, resumed=len(done))
    todo = [q for q in questions if q.id not in done]
    if done:
        say(f"resuming: {len(done)} of {len(questions)} questions already scored in {path}")
    stale = [qid for qid in latest if qid in wanted and qid not in done]
    if stale and existing:
        say(f"asking again: {len(stale)} question(s) that failed or changed since their record")
    return result, todo


def _ask_all(
    answerer: Any, todo: Sequence[Question], path: Path, result: RunResult, bar: Any
) -> None:
    """Ask each question, appending its record to `path` and to `result` as it comes.

    Raises:
        EvalError: the model failed on MAX_LLM_ERRORS_IN_A_ROW questions in a row.
    """
    in_a_row = 0
    for q in todo:
        record = ask_one(answerer, q, result.config)
        _append(path, record)
        result.records[q.id] = record
        result.asked += 1
        if record["error"]:
            result.errors += 1
            in_a_row = in_a_row + 1 if record["error"].startswith("LLMError") else 0
            if in_a_row >= MAX_LLM_ERRORS_IN_A_ROW:
                raise EvalError(
                    f"stopped: {in_a_row} questions in a row failed, the last with "
                    f"{record['error']}. Fix the model, then run again to resume."
                )
        else:
            in_a_row = 0
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(_postfix(result.records.values()), refresh=False)


def _postfix(records: Any) -> str:
    scores = [r["scores"] for r in records if r.get("scores")]
    gold = [s for s in scores if s["has_gold"]]
    correct = sum(1 for s in gold if s["correct"])
    refused = sum(1 for s in scores if s["refused"])
    errors = sum(1 for s in scores if s["error"])
    return f"correct {correct}/{len(gold)}, refused {refused}, errors {errors}"


def _progress(total: int, initial: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="question",
        desc="eval",
        file=sys.stderr,
        dynamic_ncols=True,
        mininterval=0.5,
    )
