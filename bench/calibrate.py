"""Fit the refusal rule's logistic model (`rag.refusal.confidence`) on the answers of a run.

Reads the results.jsonl of `newsrag eval` runs (each record keeps the model's raw answer, the
passages it was shown and the token probabilities), measures each answer's evidence again
with today's `rag.refusal.gather_evidence` (as `bench/recheck.py` does) and fits, on the
answers the model gave (not those it refused itself, nor those whose every claim the
citation check found missing), the probability that the answer is right: L2-regularised
logistic regression (Newton's method, numpy only), once with the token probabilities and
once without them.

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

from bench.recheck import decide, read_records  # noqa: E402
from rag.refusal import FEATURES, PLAIN_FEATURES, features  # noqa: E402

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


def rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per record: its week, whether answerable, and (for answers the rule weighs)
    the features and whether the answer is right."""
    out = []
    for r in records:
        outcome = decide(r, 0.0)  # today's check; at 0 only the model and the check refuse
        evidence = outcome.get("evidence")
        row: dict[str, Any] = {
            "week": str(r["id"]).split("_")[0],
            "answerable": bool(r["gold"]["answerable"]),
            "weighed": not outcome["refused"] and evidence is not None,
            "right": bool(outcome["correct"]),
        }
        if row["weighed"]:
            row["x"] = features(evidence)
        out.append(row)
    return out


def matrix(rs: list[dict[str, Any]], names: tuple[str, ...]) -> np.ndarray:
    return np.array([[r["x"][n] for n in names] for r in rs])


def outcomes(rs: list[dict[str, Any]], refuse: dict[int, bool]) -> dict[str, int]:
    """Right answers, unanswerable declined and answerable refused over all rows."""
    right = declined = refused = 0
    for i, r in enumerate(rs):
        no = not r["weighed"] or refuse.get(i, False)
        right += int(r["answerable"] and r["right"] and not no)
        declined += int(not r["answerable"] and no)
        refused += int(r["answerable"] and no)
    return {"right": right, "declined": declined, "wrongly_refused": refused}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, nargs="+")
    parser.add_argument("--max-lost", type=float, default=0.02,
                        help="share of the right answers the threshold may turn away")  # fmt: skip
    args = parser.parse_args()
    records = [r for r in read_records(args.results) if r["gold"].get("answers")]
    rs = rows(records)
    idx = [i for i, r in enumerate(rs) if r["weighed"]]
    tokens = {i for i in idx if "weakest" in rs[i]["x"]}
    answerable = sum(r["answerable"] for r in rs)
    right = sum(rs[i]["right"] for i in idx)
    print(
        f"\n{len(rs)} questions ({answerable} answerable); {len(idx)} answers weighed, "
        f"{right} right; {len(tokens)} with token probabilities\n"
    )

    def model(train: list[int], names: tuple[str, ...]) -> tuple[np.ndarray, float]:
        x = matrix([rs[i] for i in train], names)
        y = np.array([rs[i]["right"] for i in train], dtype=float)
        return fit(x, y)

    def choose(train: list[int]) -> tuple[dict[str, Any], float]:
        names = FEATURES if all(i in tokens for i in train) else PLAIN_FEATURES
        weights, bias = model(train, names)
        p = predict(matrix([rs[i] for i in train], names), weights, bias)
        right = np.array([rs[i]["right"] for i in train])
        unans = np.array([not rs[i]["answerable"] for i in train])
        lost = int(args.max_lost * right.sum())
        return {"names": names, "weights": weights, "bias": bias}, threshold_for(
            p, right, unans, lost
        )

    full, t = choose(idx)
    plain_weights, plain_bias = model(idx, PLAIN_FEATURES)
    p_all = predict(matrix([rs[i] for i in idx], full["names"]), full["weights"], full["bias"])
    in_sample = outcomes(rs, {i: bool(p < t) for i, p in zip(idx, p_all)})
    before = outcomes(rs, {})
    held: dict[int, bool] = {}
    weeks = sorted({r["week"] for r in rs})
    per_week = []
    for week in weeks:
        train = [i for i in idx if rs[i]["week"] != week]
        test = [i for i in idx if rs[i]["week"] == week]
        m, tw = choose(train)
        if test:
            p = predict(matrix([rs[i] for i in test], m["names"]), m["weights"], m["bias"])
            held.update({i: bool(q < tw) for i, q in zip(test, p)})
        per_week.append((week, tw))
    out = outcomes(rs, held)
    n_ans, n_un = answerable, len(rs) - answerable
    print("| rule | right (answerable) | wrongly refused | unanswerable declined |")
    print("|---|---:|---:|---:|")
    for name, o in (
        ("no threshold (the model and the citation check refuse)", before),
        (f"fitted on all weeks, threshold {t:.4f}", in_sample),
        ("each week left out (weights and threshold from the other weeks)", out),
    ):
        print(f"| {name} | {o['right']}/{n_ans} = {o['right'] / n_ans:.3f} "
              f"| {o['wrongly_refused'] / n_ans:.3f} "
              f"| {o['declined']}/{n_un} = {o['declined'] / n_un:.3f} |")  # fmt: skip
    print("\nthresholds chosen with each week left out: "
          + ", ".join(f"{w} {x:.3f}" for w, x in per_week))  # fmt: skip
    print("\n# paste into rag/refusal.py")
    print(f"WEIGHTS_TOKENS = ({', '.join(f'{w:.4f}' for w in full['weights'])},)")
    print(f"INTERCEPT_TOKENS = {full['bias']:.4f}")
    print(f"WEIGHTS_PLAIN = ({', '.join(f'{w:.4f}' for w in plain_weights)},)")
    print(f"INTERCEPT_PLAIN = {plain_bias:.4f}")
    print(f"threshold: {t:.4f}")


if __name__ == "__main__":
    main()
