"""Text helpers that several stages share: sentence spans, and word lists.

`split_sentences` is how chunking, citations, refusal, retrieval and the evaluation cut text
into sentences. The word lists are words that carry no topic of their own, for matching texts
by their content: the fake model's lives here; `rag/citations.py` (its stop words and the
capitalised words that are no names) and `rag/refusal.py` (its stop words) still keep their
own and are to move here too.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "gov", "sen", "rep", "col",
    "lt", "sgt", "capt", "cmdr", "adm", "rev", "hon", "pres", "inc", "ltd", "co", "corp", "vs",
    "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "u.s", "u.k", "u.n", "e.g", "i.e", "etc", "approx", "est", "dept", "univ", "ave", "blvd",
}  # fmt: skip

# A candidate sentence end: terminal punctuation, optional closing quotes/brackets, whitespace.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+)")
_START_OK = re.compile(r"[\s]*[\"'“‘(\[]*[A-Z0-9]")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split `text` into sentence spans (start, end), trimmed of surrounding whitespace.

    Line breaks always end a sentence (news paragraphs, bullets, headings).
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        base = line.start()
        seg = line.group()
        start = 0
        for m in _END.finditer(seg):
            end = m.end()
            if not _START_OK.match(seg, end):
                continue  # next word is lower-case: "e.g. this", "3.5 million"
            word = re.search(r"(\S+?)[.!?…]+[\"'”’)\]]*$", seg[start:end])
            if word and seg[m.start()] == ".":
                w = word.group(1).lower().lstrip("\"'“‘([")
                if w in _ABBREVIATIONS or (len(w) == 1 and w.isalpha()):
                    continue  # "Mr. Smith", "J. Smith", "U.S. officials"
            spans.append((base + start, base + end))
            start = end
        spans.append((base + start, base + len(seg)))
    out = []
    for a, b in spans:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if b - trail > a + lead:
            out.append((a + lead, b - trail))
    return out


# The fake model matches a question with source sentences on the other words (rag/llms/fake.py).
FAKE_MODEL_STOP_WORDS = frozenset(
    """
    a an the of to in on at for and or but is are was were be been do does did what who whom
    which when where why how much many this that these those it its with by from as about
    into than then there their they them he she his her we you i
    """.split()  # noqa: SIM905
)
