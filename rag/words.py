"""Word lists: words that carry no topic of their own, for matching texts by their content.

The fake model's list lives here. `rag/citations.py` (its stop words and the capitalised words
that are no names) and `rag/refusal.py` (its stop words) still keep their own lists; they are to
move here too.
"""

from __future__ import annotations

# The fake model matches a question with source sentences on the other words (rag/llms/fake.py).
FAKE_MODEL_STOP_WORDS = frozenset(
    """
    a an the of to in on at for and or but is are was were be been do does did what who whom
    which when where why how much many this that these those it its with by from as about
    into than then there their they them he she his her we you i
    """.split()  # noqa: SIM905
)
