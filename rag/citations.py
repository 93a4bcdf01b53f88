"""Pure functions for citations: number the sources, then parse and check the `[n]` markers.

Citations are checked, not trusted. A marker pointing at no source is removed. A sentence's
claims (its numbers and proper names) must occur in the sources it cites, else it is flagged
unsupported, unless another source states them, which is then cited instead. A sentence with
claims but no marker gets the first source that states them. The quote of each citation is the
source sentence that best matches the claim.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.text import CITATION_STOP_WORDS, KIN_WORDS, NOT_NAMES, split_sentences
from rag.types import Citation, Passage

_MARKER = re.compile(r"\s*\[(\d+(?:\s*(?:,|;|-|–|and)\s*\d+)*)\]")
# A bracket of words where a citation goes, at a sentence's end ("merged with Children's
# Bureau [Families First]."): the model naming its source instead of numbering it. Dropped;
# the sentence is cited by the check like any unmarked one.
_WORD_MARKER = re.compile(
    r"\s*\[(?![\d\s,;–-]*\])[^\[\]\n]{1,80}\](?=(?:\s*\[[\d\s,;–-]+\])*\s*(?:[.!?…]|$))"
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[\w'’-]+")
_REFUSAL = re.compile(
    r"(sources?|articles?|passages?|context|text)\s+(do(es)?\s*n[o']t|did\s*n[o']t)\s+"
    r"(say|contain|mention|provide|specify|state|include|give|have)"
    r"|not\s+(mentioned|provided|specified|stated|given|available|found|included)\s+in"
    r"|\bno\s+(information|mention|details?|data)\b"
    r"|\b(can ?not|can't|unable to|could ?not|couldn't)\s+(find|determine|answer|tell|say)"
    r"|\bI\s+do\s*n[o']t\s+know\b"
    r"|\bthere is no (information|mention)",
    re.IGNORECASE,
)


def format_sources(
    passages: Sequence[Passage],
    texts: Sequence[str] | None = None,
    as_of: dt.date | None = None,
    first: int = 1,
) -> str:
    """Number the passages [1]..[n] (from `first`) with title, outlet and date, for the prompt.

    With `as_of`, each dated source also says how long before the question it was published
    ("3 days before", "12 years before"), so the model can tell this week's news from old news.
    """
    from rag.timescope import age_words

    blocks = []
    for n, p in enumerate(passages, first):
        published = p.published[:10] if p.published else ""
        if published and as_of is not None:
            try:
                age = age_words(dt.date.fromisoformat(published), as_of)
                published += ", published today" if age == "the same day" else f", {age} today"
            except ValueError:
                pass
        meta = ", ".join(x for x in (p.source, published) if x) or "outlet and date unknown"
        title = " ".join(p.title.split()) or "untitled"
        text = texts[n - first] if texts is not None else p.text
        blocks.append(f"[{n}] {title} ({meta})\n{text.strip()}")
    return "\n\n".join(blocks)


def is_refusal(text: str) -> bool:
    """Tell whether the model said the sources do not contain the answer."""
    return bool(_REFUSAL.search(text))


def claims(sentence: str) -> tuple[set[str], set[str]]:
    """Return the numbers and the proper names a sentence states."""
    plain = _MARKER.sub("", sentence)
    numbers = {_norm_number(n) for n in _NUMBER.findall(plain)}
    names = set()
    for m in _WORD.finditer(plain):
        w = m.group().strip("'’-")
        if not w or not w[0].isupper() or w in NOT_NAMES:
            continue
        names.add(_name_key(w))
    return numbers, names


def _name_key(word: str) -> str:
    """A name as `claims` gives it: lower-cased, without a possessive 's."""
    return word.lower().removesuffix("'s").removesuffix("’s")


def asked_names(
    sentence: str, names: set[str], question: str
) -> tuple[set[str], list[list[str]], set[str]]:
    """Of a sentence's `names` (from `claims`), those it repeats from the question, and how to
    check them.

    Returns the repeated names (lower-cased, as `claims` gives them); their groups: runs of
    consecutive capitalised words of the sentence made only of the question's words ("Xi
    Jinping", "Queen Camilla", "Nobel Peace Prize"); and the opening word when it is a plain
    word of the question, capitalised only because it opens the sentence ("Tributes were
    held..." for "Tribute events were held..."), which is no name at all.
    """
    asked = {_name_key(w.strip("'’-")) for w in _WORD.findall(question)}
    asked |= {w.rstrip("s") for w in asked} | {w + "s" for w in asked}
    repeated = {n for n in names if n in asked}
    opening: set[str] = set()
    plain = _MARKER.sub("", sentence)
    groups: list[list[str]] = []
    run: list[str] = []
    for i, m in enumerate(_WORD.finditer(plain)):
        w = m.group().strip("'’-")
        key = _name_key(w)
        if i == 0 and key in repeated and w.lower() in _lower_words(question):
            repeated.discard(key)
            opening.add(key)
            continue
        if key in repeated:
            run.append(key)
            continue
        if run:
            groups.append(run)
        run = []
    if run:
        groups.append(run)
    return repeated, groups, opening


def _lower_words(question: str) -> set[str]:
    """The question's words written in lower case (its opening word too), with their plurals
    and singulars ("tribute events")."""
    found = _WORD.findall(question)
    words = {w for w in found if w.islower()} | {w.lower() for w in found[:1]}
    return words | {w + "s" for w in words} | {w.rstrip("s") for w in words}


def groups_supported(groups: list[list[str]], source: str) -> bool:
    """Tell whether a source holds at least half of the words of every group of names an answer
    repeats from the question ("Xi" for "Xi Jinping", not "Prize" alone for "Nobel Peace
    Prize")."""
    lowered = source.lower()
    return all(2 * sum(1 for w in g if w in lowered) >= len(g) for g in groups)


def _norm_number(n: str) -> str:
    return n.replace(",", "").rstrip(".")


def supports(numbers: set[str], names: set[str], source: str) -> bool:
    """Tell whether every number and name occurs in the source text; a country is also
    named by the word for its people ("Turkey" by "the Turkish Football Federation", and
    "Spanish" by "Spain": `KIN_WORDS`)."""
    have_numbers = {_norm_number(n) for n in _NUMBER.findall(source)}
    lowered = source.lower()
    return numbers <= have_numbers and all(
        name in lowered
        or any(re.search(rf"\b{kin}(?:s|es)?\b", lowered) for kin in KIN_WORDS.get(name, ()))
        for name in names
    )


def _content_words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if w.lower() not in CITATION_STOP_WORDS}


def best_quote(sentence: str, passage: Passage) -> tuple[str, int, int]:
    """Return the passage sentence that best matches `sentence`, with its article offsets."""
    wanted = _content_words(_MARKER.sub("", sentence))
    numbers, _ = claims(sentence)
    best, best_score = (0, len(passage.text)), -1.0
    for start, end in split_sentences(passage.text) or [(0, len(passage.text))]:
        piece = passage.text[start:end]
        score = len(wanted & _content_words(piece)) + 2 * len(
            numbers & {_norm_number(n) for n in _NUMBER.findall(piece)}
        )
        if score > best_score:
            best, best_score = (start, end), score
    start, end = best
    return passage.text[start:end], passage.start + start, passage.start + end


@dataclass
class Checked:
    """The answer text after checking: markers cleaned, citations, unsupported sentences."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    supported_claims: int = 0


def _sentences(text: str) -> list[tuple[str, list[int]]]:
    """Split an answer into sentences with the source numbers each cites, in order.

    Markers placed after the full stop ("... million. [1]") belong to the sentence before.
    """
    out: list[tuple[str, list[int]]] = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        numbers = cited_numbers(sentence)
        body = _MARKER.sub("", sentence).strip()
        if out and (not re.search(r"\w", body) or _MARKER.match(sentence)):
            lead = _MARKER.match(sentence)
            if lead:  # "[1] Next sentence": the leading marker belongs to the previous one
                lead_numbers = [int(n) for n in _expand(lead.group(1))]
                prev, prev_numbers = out[-1]
                out[-1] = (prev + " " + lead.group().strip(), prev_numbers + lead_numbers)
                sentence = sentence[lead.end() :].strip()
                numbers = numbers[len(lead_numbers) :]
                if not re.search(r"\w", _MARKER.sub("", sentence)):
                    continue
            else:
                continue
        out.append((sentence, numbers))
    return out


def cited_numbers(text: str) -> list[int]:
    """Return the source numbers the `[n]` markers in `text` cite, in order, with repeats.

    `[1, 3]`, `[1; 3]` and `[1 and 3]` cite 1 and 3; `[2-4]` cites 2, 3 and 4 (a range of
    fewer than ten sources; `[1-20]` cites 1 and 20).
    """
    return [int(n) for m in _MARKER.finditer(text) for n in _expand(m.group(1))]


def strip_markers(text: str) -> str:
    """Replace each `[n]` marker, with the space before it, by one space ("[1]" is no number)."""
    return _MARKER.sub(" ", text)


def _expand(group: str) -> list[str]:
    """The numbers in one marker's brackets, a range spelled out."""
    numbers: list[str] = []
    for part in re.split(r"\s*(?:,|;|and)\s*", group):
        bounds = re.split(r"\s*[-–]\s*", part)
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            lo, hi = int(bounds[0]), int(bounds[1])
            numbers += [str(n) for n in range(lo, hi + 1)] if 0 < hi - lo < 10 else bounds
        else:
            numbers += [b for b in bounds if b.isdigit()]
    return numbers


def _with_markers(sentence: str, numbers: list[int]) -> str:
    """Rewrite a sentence's markers as `[a][b]` before its closing punctuation."""
    body = _MARKER.sub("", sentence).rstrip()
    if not numbers:
        return body
    marks = "".join(f"[{n}]" for n in dict.fromkeys(numbers))
    m = re.search(r"[.!?…]+[\"'”’)]*$", body)
    if m:
        at = m.start()
        if body[at:].startswith("..") and not body[at:].startswith("..."):
            at += 1  # "Fred's Inc. [1]." with the marker taken out: the "Inc." keeps its stop
        return f"{body[:at]} {marks}{body[at:]}"
    return f"{body} {marks}"


def _text(passages: Sequence[Passage], numbers: Sequence[int]) -> str:
    return "\n".join(f"{passages[n - 1].title}\n{passages[n - 1].text}" for n in numbers)


def _holds(wanted: tuple[set[str], set[str], list[list[str]]], source: str) -> bool:
    """Tell whether a source states a sentence's numbers and own names, and half of each group
    of names it repeats from the question."""
    numbers, names, groups = wanted
    return supports(numbers, names, source) and groups_supported(groups, source)


def check(
    text: str, passages: Sequence[Passage], question: str | None = None, by_line: bool = False
) -> Checked:
    """Check an answer's citations against the passages it was given (numbered from 1).

    `by_line`: each line of the text is one claim, kept on its own line (the deal table's
    lines, whose names may hold full stops: "A.M. Management & Consulting's stake ...").

    With the `question`, names the answer repeats from it are checked more loosely than the
    answer's own: a source need hold only half of each such name ("Xi Jinping met with Joe
    Biden in San Francisco [1]" is supported by a source that says "Xi" and "Biden"), since
    the question already said them; every other name and number must be in the source.
    """
    result = Checked(text="")
    text = _WORD_MARKER.sub("", text)
    quotes: dict[int, tuple[int, str, int, int]] = {}  # number -> (score, quote, start, end)
    flagged: set[int] = set()
    rewritten = []
    parts = (
        [(line, cited_numbers(line)) for line in text.splitlines() if line.strip()]
        if by_line
        else _sentences(text)
    )
    for sentence, cited in parts:
        valid = [n for n in cited if 1 <= n <= len(passages)]
        numbers, names = claims(sentence)
        repeated: set[str] = set()
        groups: list[list[str]] = []
        if question:
            repeated, groups, opening = asked_names(sentence, names, question)
            names -= opening
        has_claims = bool(numbers or names)
        wanted = (numbers, names - repeated, groups)
        if has_claims and not (valid and _holds(wanted, _text(passages, valid))):
            # Uncited, or cited to a source that does not state it (small models often cite
            # the wrong number): cite the first source that states all of it instead.
            for n in range(1, len(passages) + 1):
                if _holds(wanted, _text(passages, [n])):
                    valid = [n]
                    break
        if valid:
            if has_claims and not _holds(wanted, _text(passages, valid)):
                result.unsupported.append(_MARKER.sub("", sentence).strip())
                flagged.update(valid)
            elif has_claims:
                result.supported_claims += 1
            for n in valid:
                quote, start, end = best_quote(sentence, passages[n - 1])
                score = len(_content_words(sentence) & _content_words(quote))
                if n not in quotes or score > quotes[n][0]:
                    quotes[n] = (score, quote, start, end)
        elif has_claims:
            result.unsupported.append(_MARKER.sub("", sentence).strip())
        rewritten.append(_with_markers(sentence, valid))
    result.text = ("\n" if by_line else " ").join(rewritten).strip()
    for n in sorted(quotes):
        p = passages[n - 1]
        _, quote, start, end = quotes[n]
        result.citations.append(
            Citation(
                number=n,
                article_id=p.article_id,
                chunk_id=p.chunk_id,
                title=p.title,
                url=p.url,
                source=p.source,
                published=p.published,
                quote=quote,
                quote_start=start,
                quote_end=end,
                supported=n not in flagged,
            )
        )
    return result
