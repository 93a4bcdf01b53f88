"""Money parsing on the annotated deal amounts of ../shared/data/deals-sentivent: ours vs libraries.

Every `amount` argument of the corpus's deal events is parsed by `rag.deals.money.parse_money`,
by price-parser (`Price.fromstring`) and by quantulum3 (`parser.parse`, first quantity whose
entity is a currency). The annotations are loose: 36 of the 58 amount strings hold a money
amount ("$ 13.7 billion", "more than $ 100 million", "$ 17 Canadian dollars per share"); the
others are percentages, ratios or words ("746 %", "13 times Ebitda", "billions"). `EXPECTED`
holds, checked by hand, the first money amount of each string (keyed by document id and offset,
so that no corpus text is copied here):

- number: the parser returns some number for a string that holds money;
- right: its first money reading has the expected currency and value within 1%
  ("$ 1.6 billion" must be 1.6e9 USD: a bare 1.6, or 1.6e9 with no currency, is wrong);
- false money: it reads money in a string that holds none.

Each parser also runs on the strings with the tokeniser's space after a symbol taken out
("$ 13.7" -> "$13.7"), since the libraries expect ordinary text.

    .venv/bin/python -m bench.money
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.deals.money import parse_money  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "deals-sentivent" / "docs.jsonl"
CACHE = Path.home() / ".cache" / "newsrag"

# (document id up to its first "_", begin offset) -> the first money amount of the annotated
# string, checked by hand; None where the string holds no money amount.
EXPECTED: dict[tuple[str, int], tuple[str, float] | None] = {
    ("aal08", 591): None,
    ("abbv04", 3023): None,
    ("amzn03", 331): ("USD", 13.7e9),
    ("amzn03", 1185): None,
    ("amzn05", 924): ("USD", 178.4e6),
    ("amzn05", 1445): ("USD", 20e6),
    ("amzn09", 486): ("USD", 13.7e9),
    ("ba04", 2944): None,
    ("ba04", 3041): None,
    ("ba14", 685): ("USD", 28.0),
    ("ba14", 808): ("USD", 28.0),
    ("ba14", 822): None,
    ("ba14", 2562): None,
    ("ba14", 2888): None,
    ("ba14", 3159): None,
    ("ba14", 3068): None,
    ("celg02", 3024): ("USD", 7.2e9),
    ("cvx02", 7052): None,
    ("cvx06", 733): None,
    ("cvx06", 883): None,
    ("cvx06", 808): ("USD", 39.1e9),
    ("cvx06", 934): None,
    ("cvx06", 1017): None,
    ("cvx06", 1097): None,
    ("cvx06", 1432): ("USD", 7.4e9),
    ("cvx06", 1615): ("USD", 2.2e9),
    ("cvx06", 2121): None,
    ("dis10", 6538): None,
    ("duk03", 3000): ("USD", 5e9),
    ("f05", 1401): ("USD", 100e6),
    ("f05", 2946): ("USD", 4.5e9),
    ("f05", 3238): ("USD", 1e9),
    ("fb05", 2871): ("USD", 1e9),
    ("fox00", 3877): ("USD", 10e9),
    ("fox00", 4361): ("USD", 37e9),
    ("ge07", 214): ("USD", 10e9),
    ("ge07", 2654): ("USD", 10e9),
    ("gm05", 11): ("USD", 3e9),
    ("gm05", 85): ("USD", 3e9),
    ("gm05", 295): ("USD", 3.2e9),
    ("goog01", 1690): ("USD", 680e6),
    ("goog05", 2903): ("USD", 3.2e9),
    ("gs01", 633): ("USD", 2.8e9),
    ("gs01", 1710): ("USD", 865e6),
    ("kmi03", 296): ("CAD", 17.0),
    ("kmi03", 401): ("CAD", 1.75e9),
    ("kmi03", 556): None,
    ("kmi03", 654): None,
    ("nem06", 358): None,
    ("nflx01", 7398): None,
    ("nflx01", 7367): ("USD", 1.4e9),
    ("pg02", 689): ("USD", 3.5e9),
    ("pg02", 1569): ("USD", 10e9),
    ("t06", 964): ("USD", 85.4e9),
    ("wfc02", 1200): ("USD", 15e9),
    ("wfc02", 1550): ("USD", 25e9),
    ("wmt02", 707): ("USD", 3e9),
    ("wmt04", 486): ("USD", 3.3e9),
}
# price-parser returns the currency as written; these are the ones it finds in this corpus and
# the common others.
_PRICE_PARSER_CURRENCY = {
    "$": "USD",
    "US$": "USD",
    "USD": "USD",
    "C$": "CAD",
    "CA$": "CAD",
    "CAD": "CAD",
    "€": "EUR",
    "EUR": "EUR",
    "£": "GBP",
    "GBP": "GBP",
    "¥": "JPY",
    "JPY": "JPY",
    "HK$": "HKD",
    "A$": "AUD",
}
_SPACE_AFTER_SYMBOL = re.compile(r"(?<=[$€£¥₹])\s+(?=\d)")


@dataclass(frozen=True)
class Reading:
    """What a parser made of one string: some number at all, and its first money amount."""

    number: bool
    money: tuple[str, float] | None


Parser = Callable[[str], Reading]


def gold_amounts(path: Path) -> list[tuple[tuple[str, int], str]]:
    """Every annotated amount string of the corpus, keyed as in EXPECTED."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        for event in doc["events"]:
            for arg in event["args"]:
                if arg["slot"] == "amount":
                    found.append(((doc["id"].split("_")[0], arg["begin"]), arg["text"]))
    return found


def ours(text: str) -> Reading:
    money = parse_money(text)
    return Reading(money is not None, (money.currency, money.value) if money else None)


def price_parser() -> Parser | str:
    """price-parser's Price.fromstring, or why it cannot run."""
    try:
        from price_parser import Price
    except ImportError:
        return "not installed (pip install -e '.[bench]')"

    def run(text: str) -> Reading:
        price = Price.fromstring(text)
        if price.amount is None:
            return Reading(False, None)
        currency = _PRICE_PARSER_CURRENCY.get((price.currency or "").strip())
        return Reading(True, (currency, float(price.amount)) if currency else None)

    return run


def quantulum() -> tuple[Parser | str, str]:
    """quantulum3's parser and how it disambiguates units, or why it cannot run."""
    try:
        from quantulum3 import classifier, parser
    except ImportError:
        return "not installed (pip install -e '.[bench]')", ""
    path, how = _quantulum_classifier(classifier)

    def run(text: str) -> Reading:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantities = parser.parse(text, classifier_path=path)
        money = next((q for q in quantities if q.unit.entity.name == "currency"), None)
        reading = (money.unit.currency_code, float(money.value)) if money else None
        return Reading(bool(quantities), reading)

    return run, how


def _quantulum_classifier(classifier: Any) -> tuple[str | None, str]:
    """The unit classifier quantulum3 can use here: its own, one retrained, or none."""
    if not classifier.USE_CLF:
        return None, "heuristic units (no scikit-learn)"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            classifier.Classifier(lang="en_US")
        return None, "its shipped unit classifier"
    except Exception:  # noqa: BLE001 - a pickle of another scikit-learn fails in many ways
        pass
    from importlib.metadata import version

    sklearn = version("scikit-learn")
    try:
        import stemming  # noqa: F401 - the classifier's text cleaner needs it
    except ImportError:
        return str(CACHE / "absent.joblib"), "heuristic units (shipped classifier unreadable)"
    path = CACHE / f"quantulum3-clf-sklearn-{sklearn}.joblib"
    if not path.is_file():
        print(f"retraining quantulum3's unit classifier for scikit-learn {sklearn} ...", flush=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            classifier.train_classifier(store=True, n_jobs=1, output_path=str(path))
    return str(path), f"unit classifier retrained for scikit-learn {sklearn}"


def right(reading: Reading, expected: tuple[str, float]) -> bool:
    """The reading has the expected currency and a value within 1% of the expected one."""
    if reading.money is None:
        return False
    currency, value = reading.money
    return currency == expected[0] and abs(value - expected[1]) <= 0.01 * expected[1]


def measure(parse: Parser, golds: list[tuple[tuple[str, int], str]]) -> dict[str, Any]:
    start = time.perf_counter()
    readings = [(EXPECTED[key], text, parse(text)) for key, text in golds]
    seconds = time.perf_counter() - start
    money = [(e, t, r) for e, t, r in readings if e is not None]
    other = [(t, r) for e, t, r in readings if e is None]
    return {
        "number": sum(r.number for _, _, r in money),
        "right": sum(right(r, e) for e, _, r in money),
        "false": sum(r.money is not None for _, r in other),
        "money": len(money),
        "other": len(other),
        "seconds": seconds,
        "misses": [(t, e, r.money) for e, t, r in money if not right(r, e)]
        + [(t, None, r.money) for t, r in other if r.money is not None],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="deals-sentivent docs.jsonl")
    parser.add_argument("--misses", action="store_true", help="list each parser's wrong readings")
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"skipped: no corpus at {args.data} (the benchmark needs ../shared beside the repo)")
        return
    golds = gold_amounts(args.data)
    unknown = [key for key, _ in golds if key not in EXPECTED]
    if unknown:
        sys.exit(f"{args.data} has amounts that EXPECTED does not label: {unknown[:5]}")

    runs: dict[str, Parser | str] = {"ours (rag.deals.money)": ours, "price-parser": price_parser()}
    quantulum_run, how = quantulum()
    runs["quantulum3"] = quantulum_run
    detokenise = lambda text: _SPACE_AFTER_SYMBOL.sub("", text)  # noqa: E731
    texts = {"as annotated": golds, "no space after $": [(k, detokenise(t)) for k, t in golds]}

    money = sum(EXPECTED[k] is not None for k, _ in golds)
    print(
        f"{len(golds)} annotated amounts: {money} hold money, {len(golds) - money} do not "
        "(percentages, ratios, words)"
    )
    print(
        f"{'parser':<24} {'text':<17} {'number':>7} {'right':>7} {'right%':>7} "
        f"{'false money':>11} {'secs':>6}"
    )
    results: dict[tuple[str, str], dict[str, Any]] = {}
    for name, run in runs.items():
        for label, strings in texts.items():
            if isinstance(run, str):
                print(f"{name:<24} {label:<17} {run}")
                continue
            m = results[name, label] = measure(run, strings)
            print(
                f"{name:<24} {label:<17} {m['number']:>3}/{m['money']:<3} "
                f"{m['right']:>3}/{m['money']:<3} {100 * m['right'] / m['money']:>6.0f}% "
                f"{m['false']:>7}/{m['other']:<3} {m['seconds']:>6.2f}"
            )
    print(
        "number: some number read from a string that holds money; right: first money reading "
        "has the hand-checked currency and value (within 1%); false money: money read where "
        "there is none."
    )
    if how:
        print(f"quantulum3 ran with {how}.")
    base = results.get(("ours (rag.deals.money)", "as annotated"))
    others = [m["right"] for (n, _), m in results.items() if not n.startswith("ours")]
    if base and others:
        print(
            f"ours gets {base['right']}/{base['money']} right; the best library run "
            f"{max(others)}/{base['money']} ({base['right'] / max(1, max(others)):.1f}x)."
        )
    if args.misses:
        for (name, label), m in results.items():
            print(f"\n{name}, {label}: {len(m['misses'])} wrong")
            for text, expected, got in m["misses"]:
                print(f"  {text[:60]!r:<64} expected {expected}, got {got}")


if __name__ == "__main__":
    main()
