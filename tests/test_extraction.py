"""HTML article extraction on real pages: the scrapinghub article-extraction-benchmark set.

Scored as that benchmark scores it (bench/_scoring.py): 4-token shingle precision and recall per
page, averaged over pages, F1 from the two means. `bench/extraction.py` prints the same numbers
next to plain trafilatura.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "article-extraction"

if not (DATA / "ground-truth.json").is_file():
    pytest.skip(
        f"needs ../shared beside the repository ({DATA} not found)", allow_module_level=True
    )

sys.path.insert(0, str(ROOT))

from bench._scoring import load_pages, prf, score  # noqa: E402
from rag.corpus import _Bad, article_from_html  # noqa: E402

pytestmark = [pytest.mark.shared, pytest.mark.slow]

# Measured 0.975 (P 0.966, R 0.984) on the 91 pages with include_tables=True,
# favor_precision=True; trafilatura 2.3.1.
MIN_F1 = 0.955


@pytest.fixture(scope="module")
def pages() -> list[tuple[str, str, str, str]]:
    return list(load_pages(DATA))


def test_scorer_on_hand_made_strings():
    text = "the cat sat on the mat today"  # 7 tokens -> 4 shingles
    assert prf(text, text) == (1.0, 1.0, 1.0)
    assert prf("", "") == (1.0, 1.0, 1.0)
    assert prf(text, "") == (0.0, 0.0, 0.0)
    assert prf("Cat sat on mat", "cat sat on mat")[:2] == (0.0, 0.0)  # case is kept, as upstream
    # Prediction = the first 5 tokens (punctuation is not a token): its 2 shingles are right,
    # 2 of the 4 true ones are found.
    p, r, f1 = prf(text, "the cat, sat on the!")
    assert (p, r, f1) == pytest.approx((1.0, 0.5, 2 / 3))
    # Shingles are a multiset: a repeated paragraph is a false positive.
    p, r, _ = prf(text, f"{text}\n{text}")
    assert r == 1.0 and p == pytest.approx(4 / 11)  # 11 predicted (3 span the join), 4 match
    m = score([(text, text), (text, "")])
    assert (m["precision"], m["recall"]) == (1.0, 0.5)  # empty prediction: recall only


def test_extraction_quality_on_benchmark_pages(pages, capsys):
    assert len(pages) == 91
    pairs = []
    for _, url, html, truth in pages:
        try:
            pred = article_from_html(html, "test", url=url).text
        except _Bad:
            pred = ""
        pairs.append((truth, pred))
    m = score(pairs)
    with capsys.disabled():
        print(
            f"\narticle extraction, {m['pages']} pages ({m['empty']} empty): "
            f"P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  "
            f"(mean per-page F1 {m['mean_f1_per_page']:.3f})"
        )
    assert m["f1"] >= MIN_F1


def test_title_and_url_come_out_of_the_page(pages):
    for _, url, html, _ in pages[:8]:
        article = article_from_html(html, "test", url=url)
        assert article.url == url
        assert article.title.strip()
        assert article.text
