"""Fit the refusal rule's logistic model (`rag.refusal.confidence`) on the answers of a run.

Reads the results.jsonl of `newsrag eval` runs (each record keeps the model's raw answer, the
passages it was shown and the token probabilities), measures each answer's evidence again
with today's `rag.refusal.gather_evidence` (as `bench/recheck.py` does) and fits, on the
answers the model gave (not those it refused itself, nor those whose every claim the
citation check found missing), the probability that the answer is right: L2-regularised
logistic regression (Newton's method, numpy only), once with the token probabilities and
once without them.

When the model read the sources one at a time (`--read-each`; the record keeps every
source's answer in `evidence["reads"]`), every one of those answers is a training row, weighed
also by `agree` (`rag.refusal.cross_check`), and a question's chance is that of its likeliest
answer, the one `rag.refusal.best_read` keeps.

Then it checks the fit by leaving each week out: the weights and the threshold are chosen on
the other weeks and applied to that one, so the summed figures come from a rule that never
saw the questions it is scored on. The threshold is the operating point of
`bench/refusal.py`: the most right outcomes (right answers plus unanswerable questions
declined) among the thresholds that lose at most `--max-lost` of the right answers.

Prints the weights to paste into rag/refusal.py, the in-sample and held-out outcomes, and
the per-week spread.

    .venv/bin/python bench/calibrate.py eval-out/rtqa/results.jsonl
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.recheck import decide, read_outcomes, read_records  # noqa: E402
from eval.questions import week_of  # noqa: E402
from rag.refusal import (  # noqa: E402
    FEATURES,
    FEATURES_EACH,
    PLAIN_FEATURES,
    PLAIN_FEATURES_EACH,
    confidence_of,
    features,
)

L2 = 1.0  # the penalty 0.5 |w|^2 against the summed log-loss (scikit-learn's C = 1)


def fit(x: np.ndarray, y: np.ndarray, iterations: int = 50) -> tuple[np.ndarray, float]:
    """Weights and intercept of L2-regularised logistic regression (the intercept is free)."""
    a = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(a.shape[1])
    penalty = np.diag([L2] * x.shape[1] + [0.0])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-a @ w))
        grad = a.T @ (p - y) + penalty @ w
        hess = a.T @ (a * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return w[:-1], float(w[-1])


def predict(x: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ weights + bias)))


def threshold_for(p: np.ndarray, right: np.ndarray, unanswerable: np.ndarray, lost: int) -> float:
    """The threshold with the most right outcomes that turns away at most `lost` right answers
    (the lowest on a tie)."""
    best, best_gain = 0.0, 0
    for t in np.unique(p):
        refuse = p < t
        if (refuse & right).sum() > lost:
            break  # thresholds only grow from here
        gain = int((refuse & unanswerable).sum()) - int((refuse & right).sum())
        if gain > best_gain:
            best, best_gain = float(t), gain
    return best


def candidates(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers the rule chooses among for one record: each source's own answer when the
    model read them one at a time (`evidence["reads"]`, see `Settings.read_each`), else the one
    answer. Each is decided again at threshold 0 (today's check; only the model and the check
    refuse) and, when weighed, carries its features and whether it is right."""
    evidence = (record["answer"].get("evidence") or {}) if record.get("answer") else {}
    out = []
    for outcome in read_outcomes(record) if evidence.get("reads") else [decide(record, 0.0)]:
        weighed = not outcome["refused"] and outcome.get("evidence") is not None
        cand: dict[str, Any] = {"weighed": weighed, "right": bool(outcome["correct"])}
        if weighed:
            cand["x"] = features(outcome["evidence"])
            cand["p"] = confidence_of(outcome["evidence"])  # as the product weighs it today
        out.append(cand)
    return out


def fits(cand: dict[str, Any], names: tuple[str, ...]) -> bool:
    """Whether a weighed answer has every feature of `names`: in a run whose model read the
    sources one at a time, a question with one source shown was read the other way (all
    together), and is judged by the other weights, not fitted here."""
    return bool(cand["weighed"]) and all(n in cand["x"] for n in names)


def rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per record: its week, whether answerable, and its candidate answers."""
    return [
        {
            "week": week_of(r["id"]),
            "answerable": bool(r["gold"]["answerable"]),
            "cands": candidates(r),
        }
        for r in records
    ]


def matrix(cands: list[dict[str, Any]], names: tuple[str, ...]) -> np.ndarray:
    return np.array([[c["x"][n] for n in names] for c in cands]).reshape(len(cands), len(names))


class Model:
    """Weights over `names`; a question's chance is that of its likeliest weighed answer."""

    def __init__(self, names: tuple[str, ...], weights: np.ndarray, bias: float) -> None:
        self.names, self.weights, self.bias = names, weights, bias

    def chance(self, cand: dict[str, Any]) -> float:
        """A weighed answer's chance: by these weights when it has their features, else as
        the product weighs it today."""
        if not fits(cand, self.names):
            return float(cand["p"])
        return float(predict(matrix([cand], self.names), self.weights, self.bias)[0])

    def choose(self, row: dict[str, Any]) -> tuple[float, bool]:
        """The chance and rightness of the answer kept (-1 when every answer is refused)."""
        weighed = [c for c in row["cands"] if c["weighed"]]
        if not weighed:
            return -1.0, False
        p = np.array([self.chance(c) for c in weighed])
        best = int(np.argmax(p))  # the first, best-ranked source on a tie
        return float(p[best]), bool(weighed[best]["right"])


def train(rs: list[dict[str, Any]], names: tuple[str, ...]) -> Model:
    """Fit on every weighed answer of the rows that has the features of `names`."""
    cands = [c for r in rs for c in r["cands"] if fits(c, names)]
    y = np.array([c["right"] for c in cands], dtype=float)
    return Model(names, *fit(matrix(cands, names), y))


def outcomes(rs: list[dict[str, Any]], model: Model | None, t: float) -> dict[str, int]:
    """Right answers, unanswerable declined and answerable refused over the rows, keeping
    each question's likeliest answer and refusing it below `t` (no model: the first answer,
    refused only by the model and the check)."""
    right = declined = refused = 0
    for r in rs:
        if model is None:
            first = r["cands"][0]
            p, ok = (1.0, first["right"]) if first["weighed"] else (-1.0, False)
        else:
            p, ok = model.choose(r)
        no = p < 0 or p < t
        right += int(r["answerable"] and ok and not no)
        declined += int(not r["answerable"] and no)
        refused += int(r["answerable"] and no)
    return {"right": right, "declined": declined, "wrongly_refused": refused}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, nargs="+")
    parser.add_argument("--max-lost", type=float, default=0.08,
                        help="share of the right answers the threshold may turn away")  # fmt: skip
    parser.add_argument("--without", default="",
                        help="features to leave out of the fit, comma-separated (an ablation: "
                        "e.g. sent_support,one_sentence)")  # fmt: skip
    args = parser.parse_args()
    without = {n for n in args.without.split(",") if n}
    unknown = without - set(FEATURES_EACH)
    if unknown:
        parser.error(f"--without: unknown feature {sorted(unknown)[0]!r}; "
                     f"the features are {', '.join(FEATURES_EACH)}")  # fmt: skip
    records = [r for r in read_records(args.results) if r["gold"].get("answers")]
    rs = rows(records)
    cands = [c for r in rs for c in r["cands"] if c["weighed"]]
    with_tokens = all("weakest" in c["x"] for c in cands)
    answerable = sum(r["answerable"] for r in rs)
    print(
        f"\n{len(rs)} questions ({answerable} answerable); {len(cands)} answers weighed, "
        f"{sum(c['right'] for c in cands)} right; "
        f"{sum('weakest' in c['x'] for c in cands)} with token probabilities; "
        f"{max(len(r['cands']) for r in rs)} answers at most per question\n"
    )
    alone = max(len(r["cands"]) for r in rs) > 1  # each source read alone: `agree` weighed too
    plain_names = PLAIN_FEATURES_EACH if alone else PLAIN_FEATURES
    names = (FEATURES_EACH if alone else FEATURES) if with_tokens else plain_names
    names = tuple(n for n in names if n not in without)
    plain_names = tuple(n for n in plain_names if n not in without)
    other = sum(not fits(c, names) for c in cands)
    if other:
        print(f"{other} answers read the other way (one source shown) keep today's weights\n")

    def choose(train_rows: list[dict[str, Any]]) -> tuple[Model, float]:
        model = train(train_rows, names)
        kept = [model.choose(r) for r in train_rows]
        p = np.array([k[0] for k in kept])
        right = np.array([k[1] and r["answerable"] for k, r in zip(kept, train_rows)])
        unans = np.array([not r["answerable"] for r in train_rows])
        return model, threshold_for(p, right, unans, int(args.max_lost * right.sum()))

    full, t = choose(rs)
    plain = train(rs, plain_names)
    in_sample = outcomes(rs, full, t)
    before = outcomes(rs, None, 0.0)
    at_zero = outcomes(rs, full, 0.0)
    held = {"right": 0, "declined": 0, "wrongly_refused": 0}
    per_week = []
    for week in sorted({r["week"] for r in rs}):
        model, tw = choose([r for r in rs if r["week"] != week])
        for k, v in outcomes([r for r in rs if r["week"] == week], model, tw).items():
            held[k] += v
        per_week.append((week, tw))
    n_ans, n_un = answerable, len(rs) - answerable
    print("| rule | right (answerable) | wrongly refused | unanswerable declined |")
    print("|---|---:|---:|---:|")
    for name, o in (
        ("no threshold, first answer (the model and the citation check refuse)", before),
        ("no threshold, likeliest answer", at_zero),
        (f"fitted on all weeks, threshold {t:.4f}", in_sample),
        ("each week left out (weights and threshold from the other weeks)", held),
    ):
        print(f"| {name} | {o['right']}/{n_ans} = {o['right'] / n_ans:.3f} "
              f"| {o['wrongly_refused'] / n_ans:.3f} "
              f"| {o['declined']}/{n_un} = {o['declined'] / n_un:.3f} |")  # fmt: skip
    print("\nthresholds chosen with each week left out: "
          + ", ".join(f"{w} {x:.3f}" for w, x in per_week))  # fmt: skip
    if without:
        left_out = ", ".join(sorted(without))
        print(f"\n# weights without {left_out}: an ablation, not for rag/refusal.py")
    else:
        print("\n# paste into rag/refusal.py")
    each = "_EACH" if alone else ""
    if with_tokens:
        print(f"WEIGHTS_TOKENS{each} = ({', '.join(f'{w:.4f}' for w in full.weights)},)")
        print(f"INTERCEPT_TOKENS{each} = {full.bias:.4f}")
    print(f"WEIGHTS_PLAIN{each} = ({', '.join(f'{w:.4f}' for w in plain.weights)},)")
    print(f"INTERCEPT_PLAIN{each} = {plain.bias:.4f}")
    print(f"threshold: {t:.4f}")


if __name__ == "__main__":
    main()
