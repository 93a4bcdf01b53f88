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

- when the model read each source alone (`Settings.read_each`), whether another article led
  it to the same answer (`agree`, `cross_check`): two articles that give the same name back
  each other, and an answer no other article repeats is more often a guess (on the dev set 59
  of 456 such answers were right, against 65 of 108 whose new words another article's
  answer all gave);
- whether one sentence of a cited source backs the answer (`sentence_checks`): how many of the
  question's words the sentence that holds the answer's new words shares (`sent_support`), and
  how many of those new words one sentence holds (`one_sentence`); a guess gathers its words
  from several sentences, or from one about something else;
- how many other articles among the retrieved passages (those the answer does not cite, read
  or not) hold every new word of the answer (`others`, `corroboration`): a name that several
  articles about the question give is likelier the answer than one only the cited source has
  (on the dev set, of the answers read from one source alone, 52 of 467 were right when no
  other article among the ten retrieved passages held them, 92 of 207 when one or more did);
- how old the newest source the answer cites is on the question's date (`age_days`; for a
  question about a named period, as old as the year the sentence that tells the answer names,
  when that year is before the period: "1996 — the Yankees won the World Series"), how
  similar the cited passages are to the question (`cited_similarity`), and how long the
  answer is (`answer_chars`): on a news quiz the right answer comes from a recent source, and
  a long answer is more often one that restates the question around a guess.

`confidence` folds these into the probability that the answer is right: a logistic model
whose weights were fitted on the dev set's answers (`bench/calibrate.py`, checked by leaving
each week out). The threshold on it is the setting `refusal_threshold`, chosen from the
refusal precision/recall curve on the dev set (docs/benchmarks.md). `support`, the plain mean
the rule used before, is still measured and stored.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

from rag.citations import Checked, is_refusal
from rag.text import REFUSAL_STOP_WORDS, split_sentences
from rag.types import Passage

_WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")
_NUMBER_Q = re.compile(r"\bhow (many|much|long|old|far|big|tall|large)\b|\bwhat (percentage|"
                       r"number|amount|share|age|stake|size of (a |the |its )?stake)\b",
                       re.IGNORECASE)  # fmt: skip
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
_MONEY = re.compile(
    r"(?:[$€£¥]\s?|\b(?:US|HK|A|C)\$\s?)[\d.,]+(?:\s*(?:million|billion|trillion|bn|m|k)\b)?"
    r"|\b[\d.,]+\s*(?:million|billion|trillion|percent\b|%)",
    re.IGNORECASE,
)
_MARKER = re.compile(r"\s*\[\d+(?:[^\]]*)\]")


def content_words(text: str) -> set[str]:
    """Lower-cased words of `text` that carry meaning (no stop words).

    A possessive stays part of its word ("cuba's"): the refusal weights were fitted on words
    read this way, and stripping it lost three right answers on the dev set (benchmarks,
    twenty-third pass).
    """
    return {w.lower().strip("'’") for w in _WORD.findall(text)} - REFUSAL_STOP_WORDS


def answer_type_ok(question: str, answer: str) -> bool:
    """Tell whether the answer has the kind of thing the question asks for (True if unknown)."""
    body = _MARKER.sub("", answer)
    if _NUMBER_Q.search(question):
        return bool(_HAS_NUMBER.search(body))
    if _DATE_Q.search(question):
        # A sum is no date: "When did Disney buy Marvel?" is not answered by "for $4 billion".
        undated = _MONEY.sub(" ", body)
        return bool(_HAS_DATE.search(undated) or _HAS_NUMBER.search(undated))
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
    as_of: dt.date | None = None,
    alone: bool = False,
    pool: Sequence[Passage] | None = None,
    read: int | None = None,
    since: dt.date | None = None,
) -> dict[str, Any]:
    """Measure what decides a refusal (see the module docstring); JSON-ready.

    `token_probs` are the model's (token text, probability) pairs for `raw`, if it gave them;
    `stale` tells that every source the answer cites predates the question's window; `as_of`
    is the question's date, from which the cited sources' age is counted; `alone` that the
    model read one source alone (`Settings.read_each`); `pool` the passages retrieved for the
    question, read or not, in which other articles may back the answer (`corroboration`);
    `read` the number of the one source the model read alone, whose article is the answer's
    own whether it is cited or not; `since` the start of the period the question names ("this
    week"), if it names one: an answer told in a sentence dated before it is as old as that
    date (`age_days`).
    """
    answer = _MARKER.sub("", raw)
    words = content_words(question)
    backing = cited_texts(checked, passages, shown)  # the texts whose sentences may back it
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
        "kind": answer_kind(question),
        "top_similarity": round(max((p.similarity for p in passages), default=0.0), 3),
        **token_confidence(token_probs, new_words),
        "stale": stale,
        "age_days": _event_age(
            age_days([c.published for c in checked.citations], as_of),
            told_in(question, raw, backing),
            as_of,
            since,
        ),
        "cited_similarity": round(
            max(
                (
                    passages[c.number - 1].similarity
                    for c in checked.citations
                    if 1 <= c.number <= len(passages)
                ),
                default=0.0,
            ),
            3,
        ),  # fmt: skip
        "answer_chars": len(raw),
        "alone": alone,
        **({"read": read} if read is not None else {}),
        **sentence_checks(question, raw, backing),
    }
    if pool is not None:
        cited = {passages[c.number - 1].article_id for c in checked.citations
                 if 1 <= c.number <= len(passages)}  # fmt: skip
        if read is not None and 1 <= read <= len(passages):
            cited.add(passages[read - 1].article_id)
        evidence["others"] = corroboration(question, answer, cited, pool)
    if token_probs:
        evidence["tokens"] = [[str(t), round(float(p), 4)] for t, p in token_probs]
    evidence["support"] = support(evidence)
    evidence["confidence"] = confidence(evidence)
    return evidence


def corroboration(question: str, answer: str, cited: set[str], pool: Sequence[Passage]) -> int:
    """How many articles among the retrieved passages `pool`, other than the `cited` ones, hold
    every new word of the answer (its content words the question does not have), in their
    title or text: the answer's other witnesses. 0 when the answer has no new words."""
    new = content_words(_MARKER.sub("", answer)) - content_words(question)
    if not new:
        return 0
    return len(
        {
            p.article_id
            for p in pool
            if p.article_id not in cited and new <= content_words(f"{p.title}\n{p.text}")
        }
    )


def sentence_checks(question: str, answer: str, sources: Sequence[str]) -> dict[str, float]:
    """Two checks of an answer against the sentences of the sources it cites: `sent_support`,
    the largest share of the question's content words that one sentence holding a new word of
    the answer (a word the question does not have) also holds, and `one_sentence`, the largest
    share of the answer's new words that one sentence holds. A right answer usually sits in a
    sentence about what was asked ("... cut 16,000 jobs, HP said"); a guess gathers its words
    from several sentences, or from one about something else."""
    asked = content_words(question)
    new = content_words(_MARKER.sub("", answer)) - asked
    support = together = 0.0
    if not new:
        return {"sent_support": 0.0, "one_sentence": 0.0}
    for _, words in _sentence_words(sources):
        if asked and new & words:
            support = max(support, len(asked & words) / len(asked))
        together = max(together, len(new & words) / len(new))
    return {"sent_support": round(support, 3), "one_sentence": round(together, 3)}


def cited_texts(checked: Checked, passages: Sequence[Passage], shown: Sequence[str]) -> list[str]:
    """The title and shown text of each source the answer cites (every shown source when it
    cites none)."""
    numbers = {c.number for c in checked.citations if 1 <= c.number <= len(shown)}
    return [
        f"{p.title}\n{t}"
        for n, (p, t) in enumerate(zip(passages, shown), 1)
        if n in numbers or not numbers
    ]


_YEAR = re.compile(r"(?<![\d$.,])(?:19[5-9]\d|20\d\d)(?![\d%])")


def told_in(question: str, answer: str, sources: Sequence[str]) -> str:
    """The sentence of the cited sources that holds the most of the answer's new words (its
    content words the question does not have); "" when none holds one."""
    new = content_words(_MARKER.sub("", answer)) - content_words(question)
    best, most = "", 0
    for sentence, words in _sentence_words(sources):
        if len(new & words) > most:
            best, most = sentence, len(new & words)
    return best


def _sentence_words(sources: Sequence[str]) -> Iterator[tuple[str, set[str]]]:
    """Each sentence of the sources, with its content words."""
    for source in sources:
        for start, end in split_sentences(source):
            sentence = source[start:end]
            yield sentence, content_words(sentence)


def _event_age(
    age: int | None, sentence: str, as_of: dt.date | None, since: dt.date | None
) -> int | None:
    """The answer's age: its source's, or, for a question about a named period that starts on
    `since`, older when the sentence that tells the answer dates it to a year before that
    period ("1996 — the New York Yankees won their first World Series title since 1978", in
    this week's "This Date in Baseball", for "Which team won the World Series this week?").
    Without a named period a year in the sentence dates nothing: "Which company bought Wicked
    Weed?" is rightly answered by "Anheuser-Busch acquired Wicked Weed in 2017"."""
    years = [int(y) for y in _YEAR.findall(sentence)]
    if as_of is None or since is None or not years or max(years) >= since.year:
        return age
    told = (as_of - dt.date(max(years), 12, 31)).days
    return told if age is None else max(age, told)


def age_days(published: Sequence[str | None], as_of: dt.date | None) -> int | None:
    """Days from the newest of the cited sources' dates to the question's date, or None when
    there is no question date or no dated source."""
    if as_of is None:
        return None
    ages = []
    for day in published:
        try:
            ages.append((as_of - dt.date.fromisoformat((day or "")[:10])).days)
        except ValueError:
            continue  # undated
    return max(0, min(ages)) if ages else None


# The logistic models of `confidence`: weights of FEATURES (in that order) and the intercept,
# fitted by `bench/calibrate.py` on the dev set, one set for backends that report token
# probabilities and one for those that do not. The `_EACH` sets judge an answer read from one
# source alone (`Settings.read_each`, the default), with `agree` and the two sentence checks
# last: fitted on the 677 answers the model gave reading each of the best three sources on
# its own (144 right; the full run of 2026-12-05). With fewer than three sources read, or all
# of them chunks of one article, no answer can agree with another, so these weights judge more
# harshly than on the dev set (on `corpus/`, one article, confidences drop by about a third).
# The others judge an answer read from all the sources together: fitted on the 228 answers of
# that path (57 right).
# An unknown age (an undated source, or no question date) counts as 80 days, where the dev
# set's mean of `log_age` lies: undated articles stay usable, neither fresh nor stale.
FEATURES: tuple[str, ...] = (
    "topic", "grounded", "weakest", "sure", "top_similarity", "stale", "log_age",
    "cited_similarity", "length",
)  # fmt: skip
PLAIN_FEATURES = tuple(n for n in FEATURES if n not in ("weakest", "sure"))  # no probabilities
# An answer read from one source alone is also weighed by `agree` (see `cross_check`), by
# how one sentence of its source backs it (`sentence_checks`: on the dev set, held out by week,
# they keep the likelier of the three answers more often: 62/200 right and 117/139
# unanswerable declined, against 57 and 109 without them; docs/benchmarks.md), and by how
# many other retrieved articles give it (`others`, `corroboration`: 64/200 and 117/139 held
# out, against 62 and 117 without it; 66 and 118 in sample at 0.17).
SENTENCE_FEATURES = ("sent_support", "one_sentence")  # see `sentence_checks`
FEATURES_EACH = (*FEATURES, "agree", *SENTENCE_FEATURES, "others")
PLAIN_FEATURES_EACH = (*PLAIN_FEATURES, "agree", *SENTENCE_FEATURES, "others")
WEIGHTS_TOKENS: tuple[float, ...] = (
    1.7180, -0.2997, 2.0299, 0.9251, 0.2335, -0.8331, -2.1056, 0.1595, -1.6685,
)  # fmt: skip
INTERCEPT_TOKENS = -2.5740
WEIGHTS_PLAIN: tuple[float, ...] = (1.9908, -0.0522, 0.2257, -0.8796, -2.2106, 0.2156, -1.7971)
INTERCEPT_PLAIN = -0.9155
WEIGHTS_TOKENS_EACH: tuple[float, ...] = (
    0.3554, -0.4278, 1.1286, 0.3761, 0.5607, -0.4705, -2.2311, -0.0058, -1.3577, 1.5620, 1.6814,
    1.2733, 0.7744,
)  # fmt: skip
INTERCEPT_TOKENS_EACH = -3.2996
WEIGHTS_PLAIN_EACH: tuple[float, ...] = (
    0.4275, -0.2152, 0.4429, -0.4245, -2.2840, 0.0660, -1.5135, 1.5833, 1.8433, 1.4377, 0.8565,
)  # fmt: skip
INTERCEPT_PLAIN_EACH = -2.6512
UNKNOWN_AGE_DAYS = 80
# The operating point on the dev set's refusal curve (`bench/refusal.py`) of the default path
# (each source read alone): the most right outcomes among the thresholds that turn away at
# most one in twelve right answers (8%); 0.12 before the sentence checks were weighed. The
# other path's own operating point is 0.09 (56/200 right, 104/139 unanswerable declined); at
# 0.12 it gave 54 and 107. At 0.17, on the first 220 questions, it gave 29/127 right and 79/93
# declined against 31 and 70 at 0.09 (twentieth pass): one threshold serves both paths. With
# `others` weighed (twenty-first pass) the operating point is 0.168: 0.17 stays.
DEFAULT_THRESHOLD = 0.17


def features(evidence: dict[str, Any]) -> dict[str, float]:
    """The numbers `confidence` weighs, from the evidence (`weakest` and `sure` only when the
    backend reported token probabilities)."""
    age = evidence.get("age_days")
    age = UNKNOWN_AGE_DAYS if age is None else max(0, int(age))
    out = {
        "topic": float(evidence["topic"]),
        "grounded": float(evidence["grounded"]),
        "top_similarity": float(evidence["top_similarity"]),
        "stale": float(bool(evidence.get("stale"))),
        "log_age": math.log1p(age) / 8,  # 0 today, 1 at about eight years
        "cited_similarity": float(evidence.get("cited_similarity") or 0.0),
        "length": min(int(evidence.get("answer_chars") or 0), 300) / 300,
    }
    if evidence.get("weakest") is not None and evidence.get("sure") is not None:
        out["weakest"] = float(evidence["weakest"])
        out["sure"] = float(evidence["sure"])
    if evidence.get("alone"):
        out["agree"] = float(evidence.get("agree") or 0.0)
        # 0, 1, 2, 3 or more other articles; 0 where no passages were given to look in
        out["others"] = min(int(evidence.get("others") or 0), 3) / 3
    for name in SENTENCE_FEATURES:
        if name in evidence:  # not in evidence stored before they were measured
            out[name] = float(evidence[name])
    return out


def confidence(evidence: dict[str, Any]) -> float:
    """The probability that the answer is right, from the evidence (0 when the model refused
    or every claim is missing from the sources it cited; halved when the answer lacks the kind
    of thing the question asks for, which no answer of the dev set did, so no weight for it
    could be fitted). `alone` in the evidence: the answer was read from one source alone, and
    the `_EACH` weights judge it."""
    if evidence["model_refused"] or evidence["unsupported"]:
        return 0.0
    x = features(evidence)
    alone = bool(evidence.get("alone"))
    if "weakest" in x:
        names, weights, bias = (
            (FEATURES_EACH, WEIGHTS_TOKENS_EACH, INTERCEPT_TOKENS_EACH)
            if alone
            else (FEATURES, WEIGHTS_TOKENS, INTERCEPT_TOKENS)
        )
    else:
        names, weights, bias = (
            (PLAIN_FEATURES_EACH, WEIGHTS_PLAIN_EACH, INTERCEPT_PLAIN_EACH)
            if alone
            else (PLAIN_FEATURES, WEIGHTS_PLAIN, INTERCEPT_PLAIN)
        )
    z = bias + sum(w * x[n] for n, w in zip(names, weights))
    p = 1 / (1 + math.exp(-z))
    if not evidence.get("type_ok", True):
        p *= 0.5  # a name asked for, and none capitalised: "the state transport department"
    return round(p, 4)


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
    cited, when a number or a date was asked for and the answer, asked again, still has none
    (it answers another question), when a deal question's cited sentences tell of no such deal
    (`deal_unsaid`) or its answer makes the company asked about the buyer (`deal_reversed`),
    or when the answer's `confidence` is below `threshold`."""
    value = confidence_of(evidence)
    wrong_kind = not evidence.get("type_ok", True) and evidence.get("kind") in ("number", "date")
    # `rag.deals.answer.deal_unsaid` and `buyer_is_target`
    unsaid = bool(evidence.get("deal_unsaid") or evidence.get("deal_reversed"))
    return bool(evidence["model_refused"] or evidence["unsupported"] or wrong_kind or unsaid) or (
        value < threshold
    )


def cross_check(
    question: str,
    answers: Sequence[str],
    articles: Sequence[str],
    evidences: Sequence[dict[str, Any]],
) -> None:
    """Weigh the answers to one question read from different sources against each other:
    each evidence gains `agree`, the largest share of the answer's new words (those not in the
    question) that another answer gives, read from another article and not refused outright,
    and its `confidence` is weighed again. Two articles that lead the model to the same name
    back each other; an answer no other article repeats ("the Packers and Lions", where the
    other sources gave other teams) is more often a guess. Reads of one article (two of its
    chunks) do not count as agreeing."""
    news = [content_words(_MARKER.sub("", a)) - content_words(question) for a in answers]
    open_ = [not decide_refusal(e, 0.0) for e in evidences]
    for i, evidence in enumerate(evidences):
        shares = [
            len(news[i] & news[j]) / len(news[i])
            for j in range(len(answers))
            if j != i and open_[j] and articles[j] != articles[i] and news[i]
        ]
        evidence["agree"] = round(max(shares, default=0.0), 3)
        evidence["confidence"] = confidence(evidence)


def best_read(evidences: Sequence[dict[str, Any]]) -> int:
    """Of the answers to one question read from different sources (best source first), the
    index of the one to keep: the highest `confidence` among those the rule would not refuse
    outright (see `decide_refusal` at threshold 0), the better-ranked source on a tie; the
    first when every one would be refused."""
    scores = [-1.0 if decide_refusal(e, 0.0) else confidence_of(e) for e in evidences]
    return max(range(len(scores)), key=lambda i: (scores[i], -i)) if scores else 0


def confidence_of(evidence: dict[str, Any]) -> float:
    """The evidence's `confidence`, computed when it was not stored."""
    return float(evidence["confidence"] if "confidence" in evidence else confidence(evidence))
