"""Article extraction quality on the scrapinghub benchmark pages in ../shared.

Scores our extractor (`rag.corpus.article_from_html`) and plain `trafilatura.extract` on the same
pages with the benchmark's 4-token shingle precision/recall/F1 (see bench/_scoring.py).

    .venv/bin/python bench/extraction.py              # ours vs trafilatura defaults
    .venv/bin/python bench/extraction.py --variants   # also other bare_extraction options
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from bench._scoring import load_pages, score  # noqa: E402
from rag.corpus import _Bad, article_from_html  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "article-extraction"

# --variants: (include_tables, favor) option sets of bare_extraction tried for article_from_html.
VARIANTS = [(tables, favor) for tables in (False, True) for favor in ("", "recall", "precision")]


def ours(html: str, url: str) -> str:
    try:
        return article_from_html(html, "bench", url=url).text
    except _Bad:
        return ""


def baseline(html: str, url: str) -> str:
    return trafilatura.extract(html, url=url) or ""


def bare(tables: bool, favor: str) -> Callable[[str, str], str]:
    """article_from_html's bare_extraction call with other options (and no word minimum)."""

    def run(html: str, url: str) -> str:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=tables,
            favor_precision=favor == "precision",
            favor_recall=favor == "recall",
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
        return (getattr(doc, "text", None) or "").strip()

    return run


def measure(extract: Callable[[str, str], str], pages: list) -> dict[str, float]:
    start = time.perf_counter()
    pairs = [(truth, extract(html, url)) for _, url, html, truth in pages]
    return {**score(pairs), "seconds": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="benchmark folder")
    parser.add_argument("--variants", action="store_true", help="also try other options")
    args = parser.parse_args()
    if not (args.data / "ground-truth.json").is_file():
        sys.exit(f"no benchmark data at {args.data}")
    pages = list(load_pages(args.data))

    runs: dict[str, Callable[[str, str], str]] = {
        "ours (article_from_html)": ours,
        "trafilatura.extract defaults": baseline,
    }
    if args.variants:
        for tables, favor in VARIANTS:
            name = f"bare tables={tables:d}" + (f" favor_{favor}" if favor else "")
            runs[name] = bare(tables, favor)

    print(
        f"{'extractor':<30} {'pages':>5} {'empty':>5} {'P':>6} {'R':>6} {'F1':>6} "
        f"{'F1/pg':>6} {'secs':>6}"
    )
    for name, extract in runs.items():
        m = measure(extract, pages)
        print(
            f"{name:<30} {m['pages']:>5} {m['empty']:>5} {m['precision']:>6.3f} "
            f"{m['recall']:>6.3f} {m['f1']:>6.3f} {m['mean_f1_per_page']:>6.3f} "
            f"{m['seconds']:>6.1f}",
            flush=True,
        )
    print(
        "F1 = harmonic mean of mean P and mean R (as the benchmark reports it); "
        "F1/pg = mean of per-page F1."
    )


if __name__ == "__main__":
    main()
