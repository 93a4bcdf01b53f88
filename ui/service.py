"""What the chat does, without Gradio: answer with history and filters, add news, report status.

`Service` is shared by every browser session (it holds the Answerer, whose model is loaded once);
each session's chat lives in its own `ChatState`. With a model that answers one request at a time
(the local one), sessions take turns in `ui.model_queue.MODEL_QUEUE`, first come first served, and a
waiting chat shows how many answers are ahead of it. The Gradio wiring is in `ui/app.py`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rag.answering import Answerer, QuestionError, Turn
from rag.config import Settings
from rag.llms import ONE_AT_A_TIME, LLMError, describe
from rag.retrieval import Filters, parse_date
from rag.store import KeywordIndex, StoreError
from rag.types import Answer, Retrieved
from ui import render
from ui.index_info import IndexInfo, example_questions, read_index_info
from ui.model_queue import MODEL_QUEUE, ModelQueue

log = logging.getLogger(__name__)

Message = dict[str, str]


@dataclass
class ChatState:
    """One browser session's chat: turns for follow-ups, rendered messages and sources."""

    turns: list[Turn] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    source_blocks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChatUpdate:
    """What the chat shows after each step: messages, sources panel, state, status line."""

    messages: list[Message]
    panel: str
    state: ChatState
    status: str


def parse_filters(
    as_of: str | None,
    date_from: str | None,
    date_to: str | None,
    outlets: Sequence[str] | str | None,
) -> Filters:
    """Build retrieval filters from the form fields.

    Raises:
        ValueError: a date is not YYYY-MM-DD (the message names the field), or the range is empty.
    """
    if isinstance(outlets, str):
        outlets = [outlets] if outlets else []
    filters = Filters(
        as_of=parse_date(as_of, "As of"),
        date_from=parse_date(date_from, "Published from"),
        date_to=parse_date(date_to, "Published to"),
        sources=tuple(o for o in (outlets or []) if o),
    )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValueError(
            f"Published from ({filters.date_from}) is after Published to ({filters.date_to})."
        )
    return filters


def describe_filters(filters: Filters) -> str:
    """Describe the date range and outlets of `filters` in a few words ("" when unfiltered)."""
    parts = []
    if filters.date_from or filters.date_to:
        parts.append(f"published {filters.date_from or '…'} → {filters.date_to or '…'}")
    if filters.sources:
        parts.append(", ".join(filters.sources))
    return " · ".join(parts)


def split_urls(text: str | None) -> tuple[list[str], list[str]]:
    """Split pasted text into http(s) URLs and the lines that are not one."""
    good: list[str] = []
    bad: list[str] = []
    for line in (text or "").replace(",", "\n").split():
        (good if render.safe_url(line) else bad).append(line)
    return good, bad


class Service:
    """The chat's backend, shared by all sessions; thread-safe."""

    def __init__(
        self,
        settings: Settings,
        answerer: Answerer | None = None,
        queue: ModelQueue | None = None,
    ) -> None:
        self.settings = settings
        self.answerer = answerer or Answerer(settings)
        # Who waits for the model: the process-wide queue when it answers one at a time.
        self.queue = queue or (MODEL_QUEUE if settings.llm in ONE_AT_A_TIME else None)
        self.llm_name = describe(settings)
        self.llm_problem = ""  # the last backend failure, until an answer succeeds
        self._info: IndexInfo | None = None
        self._info_key: object = None
        self._info_lock = threading.Lock()
        self._ingest_lock = threading.Lock()

    # -- index status -------------------------------------------------------------------------

    def index_info(self, refresh: bool = False) -> IndexInfo:
        """Return what the index holds, re-read when the keyword index changed (a new ingest)."""
        key = KeywordIndex(self.settings.index / "keyword").fingerprint()
        with self._info_lock:
            if refresh or self._info is None or key != self._info_key:
                try:
                    self._info = read_index_info(self.answerer.retriever.store)
                except StoreError as exc:
                    log.warning("cannot read the index: %s", exc)
                    self._info = IndexInfo()
                self._info_key = key
            return self._info

    def status_html(self) -> str:
        info = self.index_info()
        return render.status_html(
            info.articles,
            info.chunks,
            info.oldest,
            info.newest,
            info.undated,
            self.llm_name,
            self.llm_problem,
        )

    def outlet_choices(self) -> list[tuple[str, str]]:
        """Return (label, value) pairs for the outlet filter, biggest outlets first."""
        return [(f"{name} ({n})", name) for name, n in self.index_info().outlets]

    def examples(self) -> list[str]:
        return example_questions(self.index_info().newest_passages)

    # -- chat ---------------------------------------------------------------------------------

    def chat(
        self,
        question: str,
        state: ChatState,
        as_of: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        outlets: Sequence[str] | str | None = None,
    ) -> Iterator[ChatUpdate]:
        """Answer `question` as the next turn of the chat, yielding what to show at each step.

        First the question with a "searching" note (after "waiting for the model: N ahead of
        you" notes while other chats have the model), then the answer as it is generated, then
        the checked answer with its citation links and the sources panel. A refusal is shown as
        a note; a failing model, a bad date or an over-long question as one line in the chat,
        and a half-written answer is dropped, not kept as an answer.
        """
        question = (question or "").strip()
        if not question:
            return
        messages = [*state.messages, {"role": "user", "content": render.question_html(question)}]
        panel = render.sources_panel(state.source_blocks)

        def show(content: str) -> ChatUpdate:
            shown = [*messages, {"role": "assistant", "content": content}]
            st = ChatState(state.turns, shown, state.source_blocks)
            return ChatUpdate(shown, panel, st, self.status_html())

        try:
            filters = parse_filters(as_of, date_from, date_to, outlets)
        except ValueError as exc:
            yield show(render.notice_html(str(exc), "info"))
            return
        queue, ticket = self.queue, None
        try:
            if queue is not None:
                ticket = queue.take()
                # Wake at least every second: Gradio can only close a generator (for a closed
                # tab) between two steps, and closing it gives the place in the queue up.
                ahead = queue.ahead(ticket)
                while ahead:
                    yield show(render.waiting_html(ahead))
                    ahead = queue.wait(ticket, timeout=1.0)
            yield show('<div class="nr-note">Searching the articles…</div>')
            yield from self._answer(question, state, filters, messages, show)
        finally:
            if queue is not None and ticket is not None:
                queue.release(ticket)

    def _answer(
        self,
        question: str,
        state: ChatState,
        filters: Filters,
        messages: list[Message],
        show: Callable[[str], ChatUpdate],
    ) -> Iterator[ChatUpdate]:
        """Stream the answer to `question` once the model is free; see `chat`."""
        text = ""
        answer: Answer | None = None
        turn = len(state.source_blocks) + 1
        pending = ""  # the sources panel with this turn's sources, once they are known
        try:
            for item in self.answerer.stream(question, state.turns, filters, announce=True):
                if isinstance(item, Answer):
                    answer = item
                elif isinstance(item, Retrieved):
                    # The sources appear as soon as retrieval ends, while the model reads them.
                    block = render.turn_block(
                        turn, question, render.pending_sources_html(item.passages, turn)
                    )
                    pending = render.sources_panel([*state.source_blocks, block])
                    yield replace(show(render.reading_html()), panel=pending)
                else:
                    text += item
                    update = show(render.partial_html(text))
                    yield replace(update, panel=pending) if pending else update
        except QuestionError as exc:
            yield show(render.notice_html(str(exc), "info"))
            return
        except LLMError as exc:
            self.llm_problem = str(exc)
            yield show(render.notice_html(f"The language model is unavailable: {exc}"))
            return
        except Exception as exc:  # keep the app usable whatever broke; the log has the details
            log.exception("answering failed")
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            yield show(render.notice_html(f"Could not answer: {first}"))
            return
        assert answer is not None, "Answerer.stream() ended without an Answer"
        if answer.timings.first_token is not None:
            self.llm_problem = ""
        standalone = answer.standalone_question
        searched = standalone if standalone != answer.question else ""
        blocks = [
            *state.source_blocks,
            render.turn_block(turn, question, render.sources_html(answer, turn), searched),
        ]
        content = render.answer_html(answer, turn, describe_filters(filters))
        shown = [*messages, {"role": "assistant", "content": content}]
        final = ChatState([*state.turns, Turn(question, answer.text)], shown, blocks)
        yield ChatUpdate(shown, render.sources_panel(blocks), final, self.status_html())

    def ask(
        self,
        question: str,
        as_of: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        outlets: Sequence[str] | str | None = None,
        history: Sequence[Sequence[str]] | None = None,
    ) -> dict[str, Any]:
        """Answer one question for the API: the Answer as JSON-ready data.

        `history` is earlier (question, answer) pairs, for follow-up questions.

        Raises:
            ValueError: a bad date, an empty or over-long question.
            LLMError: the model failed.
        """
        filters = parse_filters(as_of, date_from, date_to, outlets)
        turns = [Turn(str(q), str(a)) for q, a in (history or [])]
        try:
            with self.queue.turn() if self.queue else contextlib.nullcontext():
                answer = self.answerer.ask(question, turns, filters)
        except LLMError as exc:
            self.llm_problem = str(exc)
            raise
        return answer.to_dict()

    # -- adding news --------------------------------------------------------------------------

    def add_news(
        self,
        files: Sequence[str | Path] | None,
        urls: str | None,
        on_batch: Callable[[int, int, int], None] | None = None,
        progress: bool = False,
    ) -> str:
        """Ingest uploaded files and pasted URLs; return an HTML summary of what happened.

        The new articles are searchable as soon as this returns: the retriever reloads the
        keyword index when it changes and reads Chroma directly.
        """
        good, bad = split_urls(urls)
        inputs = [str(f) for f in files or []] + good
        lines = [f"Not an http(s) URL, skipped: {render.esc(b)}" for b in bad]
        if not inputs:
            lines.append("Choose article files or paste article or feed URLs first.")
            return _summary(lines, ok=False)
        from rag.ingest import ingest

        if not self._ingest_lock.acquire(blocking=False):
            return _summary(["Another upload is being added; try again when it is done."], False)
        try:
            report = ingest(
                inputs,
                self.settings,
                embedder=self.answerer.retriever.embedder,
                on_batch=on_batch,
                progress=progress,
                deals=True,
            )
        except (StoreError, ValueError, LLMError) as exc:
            return _summary([render.esc(str(exc)), *lines], ok=False)
        except Exception as exc:  # keep the app usable; the log has the details
            log.exception("ingest failed")
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return _summary([f"Could not add the articles: {render.esc(first)}", *lines], False)
        finally:
            self._ingest_lock.release()
        self.index_info(refresh=True)
        names = {str(f): Path(f).name for f in files or []}
        errors = [render.esc(str(e).replace(e.origin, names.get(e.origin, e.origin), 1))
                  for e in report.errors]  # fmt: skip
        # Warnings (a repeated URL, a future date, an empty file) are shown, but are no failure.
        notes = [render.esc(str(e).replace(e.origin, names.get(e.origin, e.origin), 1))
                 for e in report.warnings]  # fmt: skip
        changed = report.added + report.updated
        counts = [f"{report.added} new"] + [
            f"{n} {what}"
            for n, what in ((report.updated, "updated"), (report.unchanged, "already indexed"))
            if n
        ]
        head = (
            f"Added {_plural(changed, 'article')} ({', '.join(counts)}; "
            f"{_plural(report.chunks, 'passage')}) in {report.seconds:.1f} s."
            + (" Searchable now." if changed else "")
        )
        if report.deals is not None and report.deals.read:
            head += f" Deals: {_plural(report.deals.mentions, 'mention')} found (Deals tab)."
        return _summary([head, *lines, *errors, *notes], ok=not (errors or lines))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(lines: list[str], ok: bool) -> str:
    """Render the result of an upload; `lines` are already escaped."""
    items = "".join(f"<li>{line}</li>" for line in lines[1:])
    return (
        f'<div class="nr-ingest {"nr-ok" if ok else "nr-problem"}">{lines[0]}'
        + (f"<ul>{items}</ul>" if items else "")
        + "</div>"
    )
