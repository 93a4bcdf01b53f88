"""Scoring: pure functions from answers, passages and gold answers to numbers.

Each definition is written out in eval/README.md, and tests/test_eval_metrics.py checks each
against values computed by hand. Records and passages are the plain dicts stored in
results.jsonl, so a report can be recomputed from them without asking anything again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The `[n]` markers are parsed as the citation check parses them.
from rag.citations import cited_numbers, strip_markers
from rag.text import split_sentences

Z95 = 1.959963984540054  # the two-sided 95% normal quantile
RETRIEVAL_KS = (1, 5, 10)
RETRIEVE_K = max(RETRIEVAL_KS)

_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")
_ARTICLES = re.compile(r"\b(a|an|the)\b")


# --- answers -------------------------------------------------------------------------------


_JOINING = str.maketrans("", "", ".,'’‘")  # deleted: "U.S." -> "us", "1,000" -> "1000"
_SEPARATING = re.compile(r"[^\w\s]|_")  # any other punctuation or symbol separates words


def normalise(text: str) -> str:
    """Normalise like SQuAD: lowercase, strip punctuation and articles, collapse whitespace.

    Unlike SQuAD, only full stops, commas and apostrophes are deleted ("U.S." -> "us",
    "1,000" -> "1000"); other punctuation and symbols become spaces, so "Shanghai-based" holds
    the word "shanghai" and "$600" the word "600". A possessive 's goes ("Alibaba's" ->
    "alibaba").
    """
    text = _POSSESSIVE.sub("", text.lower())
    text = _SEPARATING.sub(" ", text.translate(_JOINING))
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def _spans(haystack: str, needle: str) -> list[tuple[int, int]]:
    """Return where `needle` occurs in `haystack` as whole words (both normalised)."""
    if not needle:
        return []
    pattern = r"(?<!\S)" + re.escape(needle) + r"(?!\S)"
    return [m.span() for m in re.finditer(pattern, haystack)]


def contains(text: str, golds: Iterable[str]) -> bool:
    """Tell whether a normalised gold answer occurs in `text` as whole words."""
    norm = normalise(text)
    return any(_spans(norm, normalise(g)) for g in golds)


def answer_correct(answer: str, golds: Sequence[str], choices: Sequence[str] = ()) -> bool:
    """Tell whether an answer gives a gold answer and no other choice.

    Both sides are normalised and the gold must occur as whole words ("5" is not in "500").
    An occurrence of another choice that lies inside an occurrence of the gold does not count
    (choice "New York" inside gold "New York City"); any other one makes the answer a hedge.
    """
    text = normalise(strip_markers(answer))
    gold_norms = {normalise(g) for g in golds} - {""}
    gold_spans = [s for g in gold_norms for s in _spans(text, g)]
    if not gold_spans:
        return False
    for choice in {normalise(c) for c in choices} - gold_norms - {""}:
        for start, end in _spans(text, choice):
            if not any(gs <= start and end <= ge for gs, ge in gold_spans):
                return False
    return True


# A gold written as a choice often carries more than a reader needs to tell it apart: "Former
# President Donald Trump", "Oakland Athletics", "X (formerly Twitter)". An answer that says
# "Trump", "The Athletics" or "Twitter" names that choice and no other. The lenient grading
# below accepts a tail of the gold's words that tells it apart; `answer_correct` stays the
# strict one.
_NUMBER = re.compile(r"\d[\d.]*")
_NUMBER_SIGN = {"no", "number"}  # "Red dye No. 3" is "Red dye 3"
_CONJUNCTIONS = {"and", "or"}  # "Chiefs and Eagles": one of the two is not the answer
_CAPITALISED = re.compile(r"[^\W\d_][\w.'’-]*")
_BETWEEN = r"(?:[\W_]+(?:a|an|the)(?![\w]))?[\W_]+"  # what `normalise` leaves out between words


def _words(text: str) -> list[str]:
    """The normalised words of `text`, a plural 's' folded ("UFOs" -> "ufo") and the 'No.' of
    a number dropped."""
    words = normalise(text).split()
    out = []
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in _NUMBER_SIGN and _NUMBER.fullmatch(nxt):
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


def gold_tails(gold: str, others: Sequence[str], question: str = "") -> list[str]:
    """The word sequences that name `gold` among `others`: the whole gold, and each tail of it
    that keeps all its numbers, keeps a word the gold writes with a capital, and occurs neither
    in another choice nor in the question. A gold that joins two things ("Chiefs and Eagles")
    has no tail. Each is given as its normalised words joined by spaces."""
    words = _words(gold)
    if not words:
        return []
    whole = " ".join(words)
    if _CONJUNCTIONS & set(words):
        return [whole]
    numbers = {w for w in words if _NUMBER.fullmatch(w)}
    capitalised = {
        w for token in _CAPITALISED.findall(gold) if token[0].isupper() for w in _words(token)
    }
    taken = [" ".join(_words(o)) for o in (*others, question)]
    tails = [whole]
    for start in range(1, len(words)):
        tail = words[start:]
        text = " ".join(tail)
        if (
            numbers <= set(tail)
            and capitalised & set(tail)
            and not any(_spans(t, text) for t in taken)
        ):
            tails.append(text)
    return tails


def _named_at(answer: str, tail: str) -> list[tuple[int, int]]:
    """Where `tail` occurs in the answer as a whole name: not followed by a capitalised word
    that goes on with it ("North" of "North West England" is not "Stockton North")."""
    words = tail.split()
    # The tail's words in the answer as written: any case, a plural 's', punctuation between.
    pattern = (
        r"(?<![\w])"
        + _BETWEEN.join(re.escape(w) + r"(?:s|es)?" for w in words)
        + r"(?![\w])(?!\s+(?-i:[A-Z]))"
    )
    return [m.span() for m in re.finditer(pattern, answer, re.IGNORECASE)]


def answer_names_gold(
    answer: str, golds: Sequence[str], choices: Sequence[str] = (), question: str = ""
) -> bool:
    """Tell whether an answer names a gold answer, leniently: `answer_correct`, or a tail of the
    gold that tells it apart from the other choices ("Trump" for "Former President Donald
    Trump", "UFO sightings" for "UFOs", "Red Dye 3" for "Red dye No. 3"), while naming no
    other choice in the same way. Without other choices it is `answer_correct`."""
    if answer_correct(answer, golds, choices):
        return True
    plain = strip_markers(answer)
    text = " ".join(_words(plain))
    gold_norms = {normalise(g) for g in golds} - {""}
    others = [c for c in choices if normalise(c) not in gold_norms]
    if not others:
        return False  # no choices to tell the gold apart from: only the strict grading holds
    if not any(
        _spans(text, tail) and _named_at(_spaced(plain), tail)
        for gold in golds
        for tail in gold_tails(gold, others, question)
    ):
        return False
    for choice in others:
        rest = [c for c in choices if c != choice]
        if any(_spans(text, tail) for tail in gold_tails(choice, rest, question)):
            return False  # a hedge, as in `answer_correct`
    return True


def _spaced(text: str) -> str:
    """`text` as a regex should meet it to find the words `_words` gives: the punctuation
    `normalise` deletes taken out ("U.S." -> "US") and the "No." of a number dropped."""
    text = _POSSESSIVE.sub("", text)
    text = re.sub(r"\b(?:No|no|number|Number)\.?\s+(?=\d)", "", text)
    return text.translate(_JOINING)


# --- retrieval -----------------------------------------------------------------------------


def passage_text(passage: Mapping[str, Any]) -> str:
    """What a passage offers as evidence: its title and its text."""
    return f"{passage.get('title') or ''}\n{passage.get('text') or ''}"


def first_hit(texts: Sequence[str], golds: Sequence[str]) -> int | None:
    """Return the 1-based rank of the first text holding a gold answer, or None."""
    for rank, text in enumerate(texts, 1):
        if contains(text, golds):
            return rank
    return None


def first_url_hit(urls: Sequence[str | None], gold_urls: Sequence[str]) -> int | None:
    """Return the 1-based rank of the first URL among `gold_urls` (ignoring a trailing /)."""
    wanted = {u.strip().rstrip("/") for u in gold_urls}
    for rank, url in enumerate(urls, 1):
        if url and url.strip().rstrip("/") in wanted:
            return rank
    return None


def reciprocal_rank(rank: int | None) -> float:
    """1/rank, or 0 when the gold was not found."""
    return 1.0 / rank if rank else 0.0


# --- citations -----------------------------------------------------------------------------


def citation_is_real(citation: Mapping[str, Any], passages: Sequence[Mapping[str, Any]]) -> bool:
    """Tell whether a citation points at the passage of its number, and its quote is there.

    Real means: `number` is a source the model was shown, that source's chunk is the one the
    citation names, and the quote is that passage's text at the citation's offsets.
    """
    n = citation.get("number")
    if not isinstance(n, int) or not 1 <= n <= len(passages):
        return False
    p = passages[n - 1]
    if citation.get("chunk_id") != p.get("chunk_id"):
        return False
    quote, text = citation.get("quote") or "", p.get("text") or ""
    start = int(citation.get("quote_start", -1)) - int(p.get("start", 0))
    end = int(citation.get("quote_end", -1)) - int(p.get("start", 0))
    if not quote or not 0 <= start <= end:
        return False
    return text[start:end] == quote


def citation_counts(
    text: str,
    citations: Sequence[Mapping[str, Any]],
    passages: Sequence[Mapping[str, Any]],
) -> tuple[int, int]:
    """Return (real, total) over the distinct sources an answer cites.

    A number marked in the text with no citation record, or a record whose number is not in
    the text, still counts, and is not real unless its record checks out.
    """
    by_number = {c.get("number"): c for c in citations}
    numbers = dict.fromkeys([*cited_numbers(text), *by_number])
    real = sum(1 for n in numbers if n in by_number and citation_is_real(by_number[n], passages))
    return real, len(numbers)


def gold_in_citations(
    citations: Sequence[Mapping[str, Any]],
    passages: Sequence[Mapping[str, Any]],
    golds: Sequence[str],
) -> bool:
    """Tell whether a passage the answer cites holds a gold answer."""
    for c in citations:
        n = c.get("number")
        if (
            isinstance(n, int)
            and 1 <= n <= len(passages)
            and contains(passage_text(passages[n - 1]), golds)
        ):
            return True
    return False


def cited_sentence_counts(text: str, unsupported: Sequence[str]) -> tuple[int, int]:
    """Return (flagged, cited): the answer's sentences with a `[n]` marker, and how many of
    those the citation check flagged unsupported."""
    flagged_norm = {normalise(strip_markers(u)) for u in unsupported}
    flagged = cited = 0
    for start, end in split_sentences(text):
        sentence = text[start:end]
        if not cited_numbers(sentence):
            continue
        cited += 1
        if normalise(strip_markers(sentence)) in flagged_norm:
            flagged += 1
    return flagged, cited


# --- statistics ----------------------------------------------------------------------------


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Return the Wilson score interval for k successes in n trials; (0, 1) when n is 0."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Return the q-th percentile (0-100), interpolating linearly between closest ranks."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass(frozen=True)
class Rate:
    """k of n, with its Wilson 95% interval."""

    k: int
    n: int

    @property
    def value(self) -> float | None:
        return self.k / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.k, self.n)

    def __str__(self) -> str:
        if not self.n:
            return "0/0"
        lo, hi = self.interval
        return f"{self.k}/{self.n} = {self.value:.3f} [{lo:.3f}, {hi:.3f}]"

    def to_dict(self) -> dict[str, Any]:
        lo, hi = self.interval
        return {"k": self.k, "n": self.n, "value": self.value, "low": lo, "high": hi}


@dataclass(frozen=True)
class Mean:
    """A mean of n values in [0, 1], with a normal-approximation 95% interval."""

    total: float
    n: int
    sum_squares: float = 0.0

    @property
    def value(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float]:
        if self.n < 2:
            return 0.0, 1.0
        mean = self.total / self.n
        var = max(0.0, (self.sum_squares - self.n * mean * mean) / (self.n - 1))
        half = Z95 * math.sqrt(var / self.n)
        return max(0.0, mean - half), min(1.0, mean + half)

    @classmethod
    def of(cls, values: Sequence[float]) -> Mean:
        return cls(sum(values), len(values), sum(v * v for v in values))

    def __str__(self) -> str:
        if not self.n:
            return "n=0"
        lo, hi = self.interval
        return f"{self.value:.3f} (n={self.n}) [{lo:.3f}, {hi:.3f}]"

    def to_dict(self) -> dict[str, Any]:
        lo, hi = self.interval
        return {"n": self.n, "value": self.value, "low": lo, "high": hi}


# --- one question, then a whole run --------------------------------------------------------

CATEGORIES: dict[str, str] = {
    "correct": "answered correctly",
    "correct_refusal": "refused a question the corpus cannot answer",
    "retrieval_miss": "gold answer in none of the top-10 retrieved passages",
    "not_shown": "gold answer retrieved, but not in the passages shown to the model",
    "wrong_refusal": "refused although a passage shown to the model holds the gold answer",
    "wrong_answer": "answered wrongly although a passage shown to the model holds the gold",
    "answered_unanswerable": "answered a question the corpus cannot answer",
    "error": "the question or the model failed (see its error in results.jsonl)",
}


def score(
    gold: Mapping[str, Any],
    record: Mapping[str, Any],
) -> dict[str, Any]:
    """Score one results.jsonl record against its gold fields (`Question.gold()`).

    Returns JSON-ready scores: correct, correct_named (graded leniently), refused, error,
    gold_rank (1-based in the top 10 retrieved), gold_shown, url_rank, gold_cited, citation
    and sentence counts, timings, and the failure category (one of CATEGORIES).
    """
    golds: list[str] = list(gold.get("answers") or [])
    answerable = bool(gold.get("answerable"))
    out: dict[str, Any] = {
        "answerable": answerable,
        "has_gold": bool(golds),
        "has_urls": bool(gold.get("gold_urls")),
        "error": bool(record.get("error")),
        "correct": False,
        "correct_named": False,
        "refused": False,
        "gold_rank": None,
        "gold_shown": False,
        "url_rank": None,
        "gold_cited": None,
        "citations": 0,
        "citations_real": 0,
        "cited_sentences": 0,
        "cited_unsupported": 0,
        "first_token": None,
        "total": None,
        "stale": bool(gold.get("stale")),
        "time_honest": None,
        "category": "error",
    }
    if out["error"]:
        return out
    answer = record.get("answer") or {}
    text = answer.get("text") or ""
    refused = bool(answer.get("refused"))
    passages = record.get("passages") or []
    retrieved = record.get("retrieved") or []
    citations = record.get("citations") or []
    timings = record.get("timings") or {}
    out["refused"] = refused
    out["first_token"] = timings.get("first_token")
    out["total"] = timings.get("total")
    if golds:
        choices = gold.get("choices") or ()
        out["correct"] = not refused and answer_correct(text, golds, choices)
        out["correct_named"] = not refused and answer_names_gold(
            text, golds, choices, str(record.get("question") or "")
        )
        out["gold_rank"] = first_hit([passage_text(p) for p in retrieved], golds)
        # What the model read: the sentences shown of each passage, where the record has them;
        # when it read each source alone, only the passages it read (`evidence["reads"]`).
        reads = (answer.get("evidence") or {}).get("reads") or []
        read = {r.get("number") for r in reads}
        shown = [
            passage_text({**p, "text": p.get("shown", p.get("text"))})
            for n, p in enumerate(passages, 1)
            if not read or n in read
        ]
        out["gold_shown"] = first_hit(shown, golds) is not None
    if out["has_urls"]:
        out["url_rank"] = first_url_hit([p.get("url") for p in retrieved], gold["gold_urls"])
    if not refused:
        if answerable:
            out["gold_cited"] = gold_in_citations(citations, passages, golds)
        out["citations_real"], out["citations"] = citation_counts(text, citations, passages)
        out["cited_unsupported"], out["cited_sentences"] = cited_sentence_counts(
            text, answer.get("unsupported") or []
        )
    if out["stale"]:
        out["time_honest"] = time_honest(text, refused, citations)
    out["category"] = _category(out)
    return out


def time_honest(text: str, refused: bool, citations: Sequence[Mapping[str, Any]]) -> bool:
    """Tell whether an answer to a question whose only sources are stale is honest about time:
    it declines, or it names the year of the newest source it cites."""
    if refused:
        return True
    years = [str(c.get("published") or "")[:4] for c in citations]
    years = [y for y in years if y.isdigit()]
    return bool(years) and max(years) in strip_markers(text)


def _category(s: Mapping[str, Any]) -> str:
    if s["error"]:
        return "error"
    if not s["answerable"]:
        return "correct_refusal" if s["refused"] else "answered_unanswerable"
    if s["correct"]:
        return "correct"
    if s["gold_shown"]:
        return "wrong_refusal" if s["refused"] else "wrong_answer"
    return "not_shown" if s["gold_rank"] is not None else "retrieval_miss"


@dataclass(frozen=True)
class MetricInfo:
    """How to show a metric: its label, and whether higher is better."""

    key: str
    label: str
    higher_is_better: bool = True


METRICS: tuple[MetricInfo, ...] = (
    MetricInfo("accuracy", "answer accuracy (questions with a gold answer)"),
    MetricInfo("accuracy_answerable", "answer accuracy, answerable questions"),
    MetricInfo("accuracy_answerable_named", "answer accuracy, answerable, graded leniently"),
    MetricInfo("refused_unanswerable", "refused, unanswerable questions"),
    MetricInfo("refused_answerable", "wrongly refused, answerable questions", False),
    *(MetricInfo(f"retrieval@{k}", f"gold answer in top-{k} passages") for k in RETRIEVAL_KS),
    MetricInfo("mrr", f"retrieval MRR@{RETRIEVE_K}"),
    MetricInfo(f"gold_url@{RETRIEVE_K}", f"a gold URL in top-{RETRIEVE_K} passages"),
    MetricInfo("citations_gold", "answers whose cited passages hold the gold answer"),
    MetricInfo("citations_real", "citations pointing at a real passage"),
    MetricInfo("cited_unsupported", "cited sentences flagged unsupported", False),
    MetricInfo("time_honest", "stale-only recency questions: declined, or dated by the source"),
    MetricInfo("errors", "questions that failed with an error", False),
)


def aggregate(scores: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Turn per-question scores into the run's metrics (definitions in eval/README.md).

    Errors count as wrong answers in the accuracies and are left out of every other metric.
    Returns {"metrics": {key: Rate | Mean}, "latency": {...}, "categories": {name: count}}.
    """
    ok = [s for s in scores if not s["error"]]
    with_gold = [s for s in scores if s["has_gold"]]
    answerable_all = [s for s in scores if s["answerable"]]
    answerable = [s for s in ok if s["answerable"]]
    unanswerable = [s for s in ok if not s["answerable"]]
    answered = [s for s in answerable if not s["refused"]]
    metrics: dict[str, Rate | Mean] = {
        "accuracy": _rate(with_gold, "correct"),
        "accuracy_answerable": _rate(answerable_all, "correct"),
        "accuracy_answerable_named": _rate(answerable_all, "correct_named"),
        "refused_unanswerable": _rate(unanswerable, "refused"),
        "refused_answerable": _rate(answerable, "refused"),
    }
    for k in RETRIEVAL_KS:
        hits = sum(1 for s in answerable if s["gold_rank"] is not None and s["gold_rank"] <= k)
        metrics[f"retrieval@{k}"] = Rate(hits, len(answerable))
    metrics["mrr"] = Mean.of([reciprocal_rank(s["gold_rank"]) for s in answerable])
    with_urls = [s for s in ok if s["has_urls"]]
    if with_urls:
        metrics[f"gold_url@{RETRIEVE_K}"] = Rate(
            sum(1 for s in with_urls if s["url_rank"] is not None), len(with_urls)
        )
    metrics["citations_gold"] = _rate(answered, "gold_cited")
    metrics["citations_real"] = Rate(
        sum(s["citations_real"] for s in ok), sum(s["citations"] for s in ok)
    )
    metrics["cited_unsupported"] = Rate(
        sum(s["cited_unsupported"] for s in ok), sum(s["cited_sentences"] for s in ok)
    )
    stale = [s for s in ok if s.get("stale")]
    if stale:
        metrics["time_honest"] = _rate(stale, "time_honest")
    metrics["errors"] = _rate(scores, "error")
    first = [s["first_token"] for s in ok if s["first_token"] is not None]
    total = [s["total"] for s in ok if s["total"] is not None]
    latency = {
        "first_token": _latency(first),
        "total": _latency(total),
    }
    categories = {name: sum(1 for s in scores if s["category"] == name) for name in CATEGORIES}
    return {"metrics": metrics, "latency": latency, "categories": categories}


def _rate(scores: Sequence[Mapping[str, Any]], key: str) -> Rate:
    return Rate(sum(1 for s in scores if s[key]), len(scores))


def _latency(values: Sequence[float]) -> dict[str, float | int | None]:
    return {"n": len(values), "median": percentile(values, 50), "p95": percentile(values, 95)}
