"""Shingle scoring of extracted article text, as in scrapinghub/article-extraction-benchmark.

Mirrors that benchmark's `evaluate.py`:

- tokens are `\\w+` runs (punctuation dropped, case kept); shingles are 4-token n-grams counted
  as a multiset; a text with 1-3 tokens is a single short shingle, an empty text has none;
- per page, tp/fp/fn are normalised to sum to 1 so long pages do not weigh more;
- precision of a page is 1 when fp == fn == 0 (both texts empty included) and 0 when
  tp == fp == 0; recall likewise;
- mean precision is over pages with a non-empty prediction (tp + fp > 0), mean recall over pages
  with a non-empty ground truth (tp + fn > 0), and the reported F1 is the harmonic mean of those
  two means, not the mean of per-page F1 (`mean_f1_per_page` gives that one too).
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of n-token shingles of `text`."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens)


def tp_fp_fn(true: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    """Shingle matches between `true` and `pred`, normalised to sum to 1 (all 0 if both empty)."""
    t, p = shingles(true, n), shingles(pred, n)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def prf(true: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    """Precision, recall and F1 of one page, with the reference's rules for empty texts."""
    return _prf(tp_fp_fn(true, pred, n))


def _prf(counts: tuple[float, float, float]) -> tuple[float, float, float]:
    tp, fp, fn = counts
    if fp == fn == 0:
        return 1.0, 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score(pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Scores over (true, pred) pairs: mean precision, mean recall, F1 as the reference does."""
    counts = [tp_fp_fn(true, pred) for true, pred in pairs]
    pages = [_prf(c) for c in counts]
    precision = statistics.mean(_prf(c)[0] for c in counts if c[0] + c[1] > 0)
    recall = statistics.mean(_prf(c)[1] for c in counts if c[0] + c[2] > 0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pages": len(counts),
        "empty": sum(1 for tp, fp, _ in counts if tp + fp == 0),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "mean_f1_per_page": statistics.mean(f for _, _, f in pages),
    }


def load_pages(data_dir: Path) -> Iterator[tuple[str, str, str, str]]:
    """Yield (sha256, url, html, articleBody) for each page of the benchmark data, in key order."""
    truth = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(truth):
        with gzip.open(data_dir / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as f:
            html = f.read()
        yield key, truth[key]["url"], html, truth[key].get("articleBody") or ""
