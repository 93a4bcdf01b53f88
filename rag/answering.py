"""The answer chain: question + chat history -> Answer with checked citations.

    condense (follow-ups only) -> retrieve -> select sentences -> number sources -> prompt
    -> stream the model's answer -> check the [n] markers -> Answer

Prompts and models are LangChain runnables (`prompt | llm`), so every
backend streams the same way. Article text is data: it is fenced inside numbered sources, the
model is told not to follow instructions found there, and chat-template control tokens are
stripped from it so an article cannot close the prompt and open its own.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from rag.citations import Checked, check, format_sources, is_refusal
from rag.config import Settings
from rag.context import fresh_first, sanitize, select_context
from rag.deals.answer import (
    DealAnswer,
    answer_from_table,
    as_owner_question,
    asks_about_deal,
    buyer_is_target,
    deal_unsaid,
)
from rag.deals.query import DealQuery
from rag.deals.storage import DealStore, DealTable
from rag.llms import LLMError, explain, get_llm
from rag.prompts import (
    ANSWER_EXAMPLES,
    CONDENSE_EXAMPLE,
    CONDENSE_SYSTEM,
    CONDENSE_USER,
    SYSTEM,
    USER,
)
from rag.refusal import best_read, cross_check, decide_refusal, gather_evidence, retry_hint
from rag.retrieval import Filters, Retriever, published_day
from rag.timescope import TimeScope, month_year, named_start
from rag.types import Answer, Passage, Retrieved, Timings

MAX_QUESTION_CHARS = 1000
HISTORY_TURNS = 3  # earlier turns given to the condensing step
REFUSAL = "The articles don't say."
# Passages retrieved, read or not, in which other articles may back an answer: as many as
# `newsrag eval` scores retrieval on (eval.metrics.RETRIEVE_K), so the `retrieved` a run stores
# is the pool its answers were weighed against (bench/recheck.py replays them exactly).
WITNESS_K = 10
DEALS_CHECK_EVERY = 2.0  # seconds between two looks at the shared deal mentions

# Words that point back into the conversation.
_POINTERS = r"it|its|it's|they|them|their|he|him|his|she|her|that|those|these|this|there|same"
# A question worth condensing: it points back, or continues ("and", "what about").
# "the deal", "the round": a deal named earlier in the conversation.
_THE_THING = (
    r"the (company|deal|firm|round|acquisition|merger|takeover|purchase|stake|investment|sale|"
    r"bid|offer|startup)"
)
_FOLLOW_UP = re.compile(
    rf"\b({_POINTERS}|{_THE_THING}|also|too|and|what about|how about|then)\b"
    r"|^(and|but|so|what|how)\b",
    re.IGNORECASE,
)


# A question that needs the history: it points back to something named earlier.
_REFERS_BACK = re.compile(
    rf"\b({_POINTERS}|{_THE_THING}|the (story|article|report|news))\b", re.IGNORECASE
)


class QuestionError(ValueError):
    """The question cannot be asked (empty, or too long)."""


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a chat."""

    question: str
    answer: str


def validate_question(question: str) -> str:
    """Return the question stripped, or raise QuestionError saying what is wrong with it."""
    text = " ".join(question.split())
    if not text:
        raise QuestionError("The question is empty: type a question about the news.")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"The question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}."
        )
    return text


class Answerer:
    """Answers questions over one index with one LLM; reusable across questions and threads."""

    def __init__(
        self,
        settings: Settings,
        llm: Any | None = None,
        retriever: Retriever | None = None,
        context_tokens: int | None = None,
        deals: bool = True,
    ) -> None:
        self.settings = settings
        self._llm = llm
        self.retriever = retriever or Retriever(settings)
        self.context_tokens = context_tokens or settings.context_tokens
        self.fresh_first = True  # a knob for the ablation in docs/benchmarks.md
        self.deals = deals
        self._deals_checked = -DEALS_CHECK_EVERY

    @property
    def llm(self) -> Any:
        if self._llm is None:
            self._llm = get_llm(self.settings)
        return self._llm

    @cached_property
    def _chains(self) -> tuple[Any, Any]:
        """The answer chain (prompt | llm: message chunks, the last with token usage) and the
        condensing chain (prompt | llm | str), built once."""
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import ChatPromptTemplate

        examples = [
            (role, text.replace("{", "{{").replace("}", "}}")) for role, text in ANSWER_EXAMPLES
        ]
        answer = (
            ChatPromptTemplate.from_messages([("system", SYSTEM), *examples, ("human", USER)])
            | self.llm
        )
        condense = (
            ChatPromptTemplate.from_messages(
                [("system", CONDENSE_SYSTEM), *CONDENSE_EXAMPLE, ("human", CONDENSE_USER)]
            )
            | self.llm
            | StrOutputParser()
        )
        return answer, condense

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        """Rewrite a follow-up as a standalone question; unchanged when there is no history."""
        if not history or not _FOLLOW_UP.search(question):
            return question
        lines = []
        for turn in history[-HISTORY_TURNS:]:
            answer = re.sub(r"\s*\[\d+\]", "", turn.answer)
            lines.append(f"Q: {turn.question}\nA: {' '.join(answer.split()[:60])}")
        _, chain = self._chains
        try:
            text = chain.invoke({"history": "\n".join(lines), "question": question})
        except Exception as exc:
            raise LLMError(explain(exc, self.settings)) from None
        text = text.strip().splitlines()[0].strip().strip('"“”') if text.strip() else ""
        text = re.sub(r"^(rewritten|standalone)?\s*question:\s*", "", text, flags=re.IGNORECASE)
        if (
            not text.endswith("?")
            or len(text) > 3 * len(question) + 200
            or (
                _REFERS_BACK.search(question)
                and not (_words(text) - _words(question)) & _words("\n".join(lines))
            )
        ):
            # Not a question (the model answered instead), or a question that refers back
            # ("Which outlet published that story?") rewritten with nothing from the
            # conversation ("...the story?"): search with the earlier question too.
            return f"{question} ({history[-1].question})"
        return text

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        k: int | None = None,
        announce: bool = False,
    ) -> Iterator[str | Retrieved | Answer]:
        """Yield the answer's text as it is generated, then the checked `Answer` last.

        With `announce`, a `Retrieved` comes first, as soon as the sources are chosen and
        before the model reads them, so a chat can show them while the model works.

        Raises:
            QuestionError: the question is empty or too long (before any model call).
            LLMError: the model failed; the message names the backend and what to check.
        """
        t0 = time.perf_counter()
        question = validate_question(question)
        filters = filters or Filters()
        as_of = filters.effective_as_of
        standalone = self.condense(question, history)
        t_retrieve = time.perf_counter()
        base: dict[str, Any] = {
            "question": question,
            "standalone_question": standalone,
            "as_of": as_of.isoformat(),
            "llm": self.settings.llm,
        }
        from_table = self._from_deal_table(standalone, as_of)
        if from_table is not None:
            yield from self._deal_answer(from_table, base, t0, t_retrieve, announce)
            return
        scope = self.retriever.scope_of(standalone, as_of)
        base["scope"] = _scope_dict(scope)
        passages, pool = self.passages(standalone, k or self.settings.top_k, filters, scope)
        relevant = [p for p in passages if p.similarity >= self.settings.min_similarity]
        shown = select_context(
            standalone, relevant, self.context_tokens, self.retriever.embedder.embed
        )
        retrieval = time.perf_counter() - t_retrieve
        used = [p for p, _ in shown]
        texts = [t for _, t in shown]
        if announce:
            yield Retrieved(tuple(used), tuple(texts), retrieval)
        if not shown:
            yield REFUSAL
            timings = Timings(retrieval=retrieval, total=time.perf_counter() - t0)
            yield Answer(
                text=REFUSAL, refused=True, passages=tuple(passages), timings=timings, **base
            )
            return
        if self.settings.read_each > 1 and len(used) > 1:
            raw, first, usage, checked, stale_since, evidence = yield from self._read_each(
                standalone, used, texts, scope, as_of, t0, pool
            )
        else:
            raw, first, usage, probs, retried = yield from self._read_together(
                standalone, used, texts, as_of, t0
            )
            checked, stale_since, evidence = self._judge(
                standalone, raw, probs, used, texts, scope, as_of
            )
            evidence["retried"] = retried
        # A deal question whose cited sentences tell of no such deal: a name tied to the
        # company, not to the deal asked about.
        evidence["deal_unsaid"] = deal_unsaid(standalone, [c.quote for c in checked.citations])
        # "Who is buying McClatchy?" answered "McClatchy is buying Alden": the other side.
        evidence["deal_reversed"] = buyer_is_target(standalone, checked.text)
        refused = decide_refusal(evidence, self.settings.refusal_threshold)
        timings = Timings(
            retrieval=retrieval,
            first_token=first,
            total=time.perf_counter() - t0,
            prompt_tokens=usage["input_tokens"] if usage else None,
            answer_tokens=usage["output_tokens"] if usage else None,
        )
        yield Answer(
            text=REFUSAL if refused else dated(checked.text, stale_since, standalone, texts),
            refused=refused,
            citations=() if refused else tuple(checked.citations),
            passages=tuple(used),
            shown=tuple(texts),
            unsupported=tuple(checked.unsupported),
            timings=timings,
            raw_text=raw,
            evidence=evidence,
            **base,
        )

    def _read_together(
        self, question: str, used: list[Passage], texts: list[str], as_of: dt.date, t0: float
    ) -> Generator[str, None, tuple[str, float | None, Any, list[Any] | None, bool]]:
        """The model reads all the sources in one prompt; its answer is streamed. An answer of
        the wrong kind is asked for again (see `retry_hint`): the last value says whether it
        was."""
        sources = format_sources(used, [sanitize(text) for text in texts], as_of)
        inputs = {"today": _today(as_of), "sources": sources, "question": question}
        raw, first, usage, probs = yield from self._generate(inputs, t0)
        hint = retry_hint(question, raw)
        if hint is not None:
            # Asked again with a reminder of what the question wants: the prompt differs only
            # at its end, so the model reads just the new words. Not streamed; the final
            # answer replaces what was streamed.
            try:
                again = _drain(self._generate({**inputs, "question": f"{question} {hint}"}, t0))
            except LLMError:
                again = None  # the first answer is judged as it is
            if again and retry_hint(question, again[0]) is None and not is_refusal(again[0]):
                raw, probs = again[0], again[3]
                usage = _add_usage(usage, again[2])
        return raw, first, usage, probs, hint is not None

    def _read_each(
        self,
        question: str,
        used: list[Passage],
        texts: list[str],
        scope: TimeScope | None,
        as_of: dt.date,
        t0: float,
        pool: Sequence[Passage] | None = None,
    ) -> Generator[str, None, tuple[str, float | None, Any, Checked, Any, dict[str, Any]]]:
        """The model reads the best `read_each` sources one at a time, each in a prompt of its
        own numbered as in the list; the answers are weighed against each other (an answer
        another article also gives is likelier right: `cross_check`), and the one whose
        evidence gives it the best chance of being right (`best_read`) is kept, and yielded
        whole once chosen.

        A 1.5B model given five sources at once often answers from the wrong one; given one,
        it answers from that one. The prompts share the system prompt and worked example, so
        llama.cpp reads only each source and question, and the local model decodes the reads
        together (`_read_all`): three answers take little longer than the longest one.
        """
        k = self.settings.read_each
        inputs = [
            {
                "today": _today(as_of),
                "sources": format_sources([passage], [sanitize(text)], as_of, first=n),
                "question": question,
            }
            for n, (passage, text) in enumerate(zip(used[:k], texts[:k]), 1)
        ]
        reads = []  # (raw answer, checked, stale_since, evidence), best source first
        usage: Any = None
        for n, (raw, part_usage, probs) in enumerate(self._read_all(inputs, t0), 1):
            usage = _add_usage(usage, part_usage)
            reads.append(
                (raw, *self._judge(question, raw, probs, used, texts, scope, as_of, pool, n))
            )
        evidences = [r[3] for r in reads]
        articles = [p.article_id for p in used[: len(reads)]]  # the passages read, in order
        cross_check(question, [r[0] for r in reads], articles, evidences)
        raw, checked, stale_since, evidence = reads[best_read(evidences)]
        first = time.perf_counter() - t0
        yield raw
        evidence["retried"] = False
        evidence["reads"] = [
            {
                "number": n,
                "text": text,
                "confidence": ev["confidence"],
                "agree": ev["agree"],
                "tokens": ev.get("tokens"),
            }
            for n, (text, _, _, ev) in enumerate(reads, 1)
        ]
        return raw, first, usage, checked, stale_since, evidence

    def _read_all(
        self, inputs: list[dict[str, str]], t0: float
    ) -> list[tuple[str, Any, list[Any] | None]]:
        """The answer chain's (text, usage, token probabilities) for each of `inputs`: decoded
        together where the model can (`read_many`: the local model), else one at a time."""
        read_many = getattr(self.llm, "read_many", None)
        if read_many is None or len(inputs) < 2:
            return [(raw, usage, probs) for raw, _, usage, probs in
                    (_drain(self._generate(i, t0)) for i in inputs)]  # fmt: skip
        prompt = self._chains[0].first
        try:
            return list(read_many([prompt.invoke(i).to_messages() for i in inputs]))
        except Exception as exc:
            raise LLMError(explain(exc, self.settings)) from None

    def _judge(
        self,
        question: str,
        raw: str,
        probs: list[Any] | None,
        used: list[Passage],
        texts: list[str],
        scope: TimeScope | None,
        as_of: dt.date,
        pool: Sequence[Passage] | None = None,
        read: int | None = None,
    ) -> tuple[Checked, dt.date | None, dict[str, Any]]:
        """An answer's checked citations, the date its sources predate the window from, and
        the evidence the refusal rule weighs (`pool`: the passages retrieved with those
        read, where other articles may back the answer; `read`: the number of the one source
        the model read alone, if it read one)."""
        checked = check(raw, used, question)
        stale_since = predates_window([c.published for c in checked.citations], scope)
        evidence = gather_evidence(
            question, raw, checked, used, texts, probs,
            stale=stale_since is not None, as_of=as_of, alone=read is not None, pool=pool,
            read=read, since=named_start(scope),
        )  # fmt: skip
        return checked, stale_since, evidence

    def passages(
        self, question: str, k: int, filters: Filters, scope: TimeScope | None
    ) -> tuple[list[Passage], list[Passage]]:
        """The k passages retrieved for `question` to read, and every passage retrieved with
        them (at least WITNESS_K), in which other articles may back an answer
        (`rag.refusal.corroboration`). For a named period, up to k are kept of the best 2k
        that may be read for it (`fresh_first`)."""
        named = scope is not None and not scope.soft and self.fresh_first
        wide = self.retriever.retrieve(question, max(2 * k if named else k, WITNESS_K), filters)
        if not named:
            return wide[:k], wide
        assert scope is not None
        return fresh_first(wide[: 2 * k], scope, self.settings.min_similarity)[:k], wide

    def _generate(
        self, inputs: dict[str, str], t0: float
    ) -> Generator[str, None, tuple[str, float | None, Any, list[Any] | None]]:
        """Stream the model's answer piece by piece; return the whole text, the time to its
        first piece (from t0), and the token usage and token probabilities (`TokenProbs`) if
        the backend reports them."""
        chain, _ = self._chains
        parts: list[str] = []
        first: float | None = None
        usage: Any = None
        probs: list[Any] | None = None
        try:
            for message in chain.stream(inputs):
                usage = getattr(message, "usage_metadata", None) or usage
                probs = getattr(message, "response_metadata", {}).get("token_probs") or probs
                piece = message.content if isinstance(message.content, str) else ""
                if not piece:
                    continue
                if first is None:
                    first = time.perf_counter() - t0
                parts.append(piece)
                yield piece
        except Exception as exc:
            raise LLMError(explain(exc, self.settings)) from None
        return "".join(parts).strip(), first, usage, probs

    def _from_deal_table(self, question: str, as_of: dt.date) -> DealAnswer | None:
        """The deal table's answer to a deal question (see `rag.deals.answer`), or None."""
        question = as_owner_question(question)  # "Who is X's largest shareholder?"
        if not self.deals or not asks_about_deal(question):
            return None
        table = DealTable(self.settings.index)
        now = time.monotonic()
        if now >= self._deals_checked + DEALS_CHECK_EVERY:
            table.sync(DealStore(self.retriever.store))  # another instance may have written
            self._deals_checked = now
        return answer_from_table(question, table, as_of)

    def _deal_answer(
        self,
        found: DealAnswer,
        base: dict[str, Any],
        t0: float,
        t_retrieve: float,
        announce: bool,
    ) -> Iterator[str | Retrieved | Answer]:
        """The table's answer, through the same citation check as the model's; a refusal
        (`DealAnswer.declined`: the deals are found, not what was asked of them) as it is."""
        retrieval = time.perf_counter() - t_retrieve
        shown = tuple(p.text for p in found.passages)
        if announce:
            yield Retrieved(tuple(found.passages), shown, retrieval)
        checked = None if found.declined else check(found.text, found.passages, by_line=True)
        text = checked.text if checked else found.text
        yield text
        yield Answer(
            text=text,
            refused=found.declined,
            citations=tuple(checked.citations) if checked else (),
            passages=tuple(found.passages),
            shown=shown,
            unsupported=tuple(checked.unsupported) if checked else (),
            timings=Timings(
                retrieval=retrieval, first_token=retrieval, total=time.perf_counter() - t0
            ),
            raw_text=found.text,
            evidence={"route": "deal table", "query": _query_dict(found.query)},
            **{**base, "llm": "deal table"},
        )

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        k: int | None = None,
    ) -> Answer:
        """Answer a question (see `stream`)."""
        for item in self.stream(question, history, filters, k):
            if isinstance(item, Answer):
                return item
        raise AssertionError("stream() ended without an Answer")


_R = TypeVar("_R")


def _drain(gen: Generator[Any, None, _R]) -> _R:
    """Run a generator to its end without passing on what it yields; return its value."""
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


def _add_usage(first: Any, second: Any) -> Any:
    """Token usage of two model calls together (either may be None)."""
    if not first or not second:
        return first or second
    return {k: first.get(k, 0) + second.get(k, 0) for k in ("input_tokens", "output_tokens")}


def _query_dict(query: DealQuery) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in vars(query).items()}


def _words(text: str) -> set[str]:
    """Lower-cased words of three letters or more: what a rewrite can take from a chat."""
    return {w.lower() for w in re.findall(r"\w{3,}", text)}


def _today(day: dt.date) -> str:
    return f"{day.strftime('%A')}, {day.isoformat()}"


def _scope_dict(scope: TimeScope | None) -> dict[str, Any] | None:
    if scope is None:
        return None
    return {
        "phrase": scope.phrase,
        "start": scope.start.isoformat(),
        "end": scope.end.isoformat(),
        "soft": scope.soft,
        "implied": scope.implied,
    }


# Words that start a sentence but not a name: lower-cased after "According to ... article,".
_LOWER_FIRST = {
    "The", "A", "An", "It", "Its", "They", "He", "She", "This", "There", "These", "About",
    "Around", "Nearly", "Almost", "Over", "Some", "More", "Most", "Many", "All", "Up", "In", "On",
    "Last", "Earlier", "Yesterday", "Today", "Recently", "At", "Only", "Just", "Several",
}  # fmt: skip


def predates_window(published: Sequence[str | None], scope: TimeScope | None) -> dt.date | None:
    """The newest of the cited sources' dates when every one of them predates the question's
    window ("this week" answered from a 2014 article); None when any is undated (it may be from
    the window), is inside it, or there is no window (or only an implied one: the question did
    not ask about a time) or no source."""
    if scope is None or scope.implied or not published:
        return None
    days = [published_day(p) for p in published]
    if any(d is None for d in days):
        return None
    newest = max(d for d in days if d is not None)
    return newest if newest < scope.start else None


def dated(
    text: str, newest: dt.date | None, question: str = "", sources: Sequence[str] = ()
) -> str:
    """Say when the sources are from, given the newest cited source's date when every cited one
    predates the question's window (`predates_window`; None leaves the text as it is).

    "Which company announced this week..." answered from a 2014 article becomes "According to
    a May 2014 article, HP said ... [1]." rather than passing old news off as this week's. A
    time word the answer repeats from the `question` and no source says ("decided on interest
    rates this week" from a 2022 article) is dropped: it would date old news to the question's
    week.
    """
    if newest is None:
        return text
    text = _drop_repeated_time_words(text, question, sources)
    first, _, rest = text.partition(" ")
    if first in _LOWER_FIRST:
        text = f"{first.lower()} {rest}"
    when = month_year(newest)
    return f"According to {'an' if when[0] in 'AEIOU' else 'a'} {when} article, {text}"


# Words that date a thing relative to the question's day: "this week", "earlier this month".
_RELATIVE = re.compile(
    r"\b(?:(?:over|in|during|within|for)\s+the\s+)?(?:(?:earlier|later)\s+)?"
    r"((?:this|last|past)\s+(?:week|weekend|month|year)|today|tonight"
    r"|yesterday|recently)\b",
    re.IGNORECASE,
)


def _drop_repeated_time_words(text: str, question: str, sources: Sequence[str]) -> str:
    """`text` without the time words ("this week") it repeats from `question` that none of
    `sources` says, with the commas that set them off."""
    asked, said = question.lower(), " ".join(sources).lower()
    for m in reversed(list(_RELATIVE.finditer(text))):
        word = m.group(1).lower()
        if word not in asked or word in said:
            continue
        start, end = m.span()
        if text[end : end + 1] == ",":
            if start == 0:  # "This week, HP announced ..."
                start, end = 0, end + 1
            elif text[start - 2 : start] == ", ":  # "HP, this week, announced ..."
                start, end = start - 2, end + 1
        text = text[:start].rstrip() + " " + text[end:].lstrip() if start else text[end:].lstrip()
    return re.sub(r" +([.,;:!?])", r"\1", text)
