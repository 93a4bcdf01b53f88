"""The eval report: report.json, report.md, a chart of the metrics, and a baseline diff.

Scores are recomputed from the stored records against the question file's current gold
answers, so fixing a gold answer needs no question to be asked again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.metrics import CATEGORIES, METRICS, Rate, aggregate, score
from eval.questions import Question

REPORT_VERSION = 1
CHART = "metrics.png"
ANSWER_CHARS = 200  # answers are cut to this in report.json's question list and report.md


class ReportError(ValueError):
    """A baseline report cannot be read."""


def build_report(
    questions: Sequence[Question],
    records: Mapping[str, Mapping[str, Any]],
    config: Mapping[str, Any],
    *,
    questions_path: Path,
    limit: int | None = None,
) -> dict[str, Any]:
    """Score every question that has a record and aggregate the run into a JSON-ready report."""
    rows = []
    scores = []
    for q in questions:
        rec = records.get(q.id)
        if rec is None:
            continue
        s = score(q.gold(), rec)
        scores.append(s)
        answer = (rec.get("answer") or {}).get("text") or ""
        rows.append(
            {
                "id": q.id,
                "question": q.question,
                "history": list(q.history),
                "answers": list(q.answers),
                "answerable": q.answerable,
                "category": s["category"],
                "correct": s["correct"],
                "correct_named": s["correct_named"],
                "refused": s["refused"],
                "gold_rank": s["gold_rank"],
                "answer": _cut(answer),
                "error": rec.get("error"),
                "total_s": s["total"],
            }
        )
    agg = aggregate(scores)
    metrics = {}
    for info in METRICS:
        m = agg["metrics"].get(info.key)
        if m is not None:
            metrics[info.key] = {
                "label": info.label,
                "higher_is_better": info.higher_is_better,
                "kind": "rate" if isinstance(m, Rate) else "mean",
                **m.to_dict(),
            }
    return {
        "newsrag_eval": REPORT_VERSION,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "questions_file": str(questions_path),
        "limit": limit,
        "config": dict(config),
        "counts": {
            "questions": len(rows),
            "with_gold": sum(1 for s in scores if s["has_gold"]),
            "answerable": sum(1 for s in scores if s["answerable"]),
            "unanswerable": sum(1 for s in scores if not s["answerable"]),
            "follow_ups": sum(1 for r in rows if r["history"]),
            "errors": sum(1 for s in scores if s["error"]),
        },
        "metrics": metrics,
        "latency": agg["latency"],
        "categories": agg["categories"],
        "questions": rows,
        "baseline": None,
    }


def _cut(text: str, limit: int = ANSWER_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show_metric(m: Mapping[str, Any]) -> tuple[str, str, str]:
    """Return (count, value, 95% interval) as table cells."""
    if m["value"] is None:
        return ("0/0" if m["kind"] == "rate" else "n=0"), "–", "–"
    count = f"{m['k']}/{m['n']}" if m["kind"] == "rate" else f"n={m['n']}"
    return count, f"{m['value']:.3f}", f"{m['low']:.3f}–{m['high']:.3f}"


def _seconds(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f} s"


def load_report(path: Path) -> dict[str, Any]:
    """Read a report.json written by `newsrag eval`.

    Raises:
        ReportError: the file is not such a report.
    """
    try:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: cannot read it as JSON: {exc}") from None
    if not isinstance(report, dict) or "metrics" not in report or "questions" not in report:
        raise ReportError(f"{path}: not a report.json written by `newsrag eval`.")
    return report


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Diff two reports: every metric, and each question whose outcome changed."""
    metrics = []
    for key, m in new["metrics"].items():
        o = old["metrics"].get(key)
        if o is None:
            continue
        delta = None
        if m["value"] is not None and o["value"] is not None:
            delta = m["value"] - o["value"]
        verdict = "same"
        if delta:
            verdict = "better" if (delta > 0) == m["higher_is_better"] else "worse"
        metrics.append({"key": key, "label": m["label"], "old": o, "new": m, "delta": delta,
                        "verdict": verdict})  # fmt: skip
    old_q = {r["id"]: r for r in old["questions"]}
    new_q = {r["id"]: r for r in new["questions"]}
    changed = []
    for qid, r in new_q.items():
        o = old_q.get(qid)
        if o is None or (o["category"], o["answer"]) == (r["category"], r["answer"]):
            continue
        verdict = "changed answer"
        if o["category"] != r["category"]:
            good = {"correct", "correct_refusal"}
            was, now = o["category"] in good, r["category"] in good
            verdict = "fixed" if now and not was else "broken" if was and not now else "changed"
        changed.append(
            {
                "id": qid,
                "question": r["question"],
                "verdict": verdict,
                "old_category": o["category"],
                "new_category": r["category"],
                "old_answer": o["answer"],
                "new_answer": r["answer"],
            }
        )
    return {
        "created": old.get("created"),
        "config": old.get("config"),
        "metrics": metrics,
        "changed": changed,
        "only_in_baseline": sorted(set(old_q) - set(new_q)),
        "only_in_this_run": sorted(set(new_q) - set(old_q)),
    }


def render_diff(diff: Mapping[str, Any]) -> str:
    """Render a baseline diff as Markdown (also readable on a terminal)."""
    lines = [
        "| metric | baseline | this run | change |",
        "|---|---:|---:|---:|",
    ]
    for m in diff["metrics"]:
        old, new = _show_metric(m["old"]), _show_metric(m["new"])
        if m["delta"] is None:
            change = "–"
        else:
            change = f"{m['delta']:+.3f}" + ("" if m["verdict"] == "same" else f" ({m['verdict']})")
        lines.append(f"| {m['label']} | {old[0]} = {old[1]} | {new[0]} = {new[1]} | {change} |")
    lines.append("")
    changed = diff["changed"]
    counts = {v: sum(1 for c in changed if c["verdict"] == v) for v in ("fixed", "broken")}
    lines.append(
        f"{len(changed)} question(s) changed: {counts['fixed']} fixed, {counts['broken']} broken, "
        f"{len(changed) - counts['fixed'] - counts['broken']} other."
    )
    for c in changed:
        lines.append(
            f"- `{c['id']}` {c['verdict']}: {c['old_category']} → {c['new_category']}: "
            f"{c['question']}\n  - was: {c['old_answer']}\n  - now: {c['new_answer']}"
        )
    for key, label in (("only_in_baseline", "only in the baseline"),
                       ("only_in_this_run", "only in this run")):  # fmt: skip
        if diff[key]:
            lines.append(f"- {len(diff[key])} question(s) {label}: {', '.join(diff[key][:20])}"
                         + (" …" if len(diff[key]) > 20 else ""))  # fmt: skip
    return "\n".join(lines)


def render_summary(report: Mapping[str, Any]) -> str:
    """Render the metrics as plain text for the terminal."""
    c = report["counts"]
    lines = [
        f"{c['questions']} questions ({c['answerable']} answerable, {c['unanswerable']} "
        f"unanswerable, {c['follow_ups']} follow-ups), {c['errors']} errors; "
        f"llm {report['config'].get('llm')}",
    ]
    width = max(len(m["label"]) for m in report["metrics"].values())
    for m in report["metrics"].values():
        count, value, ci = _show_metric(m)
        ci_text = f"  95% CI {ci}" if ci != "–" else ""
        lines.append(f"  {m['label']:<{width}}  {count:>9} = {value}{ci_text}")
    for name, lat in report["latency"].items():
        label = "time to first token" if name == "first_token" else "total time"
        lines.append(
            f"  {label:<{width}}  median {_seconds(lat['median'])}, p95 {_seconds(lat['p95'])}"
            f" (n={lat['n']})"
        )
    return "\n".join(lines)


def render_markdown(report: Mapping[str, Any]) -> str:
    """Render the whole report as Markdown: settings, metrics, latency, failures."""
    c, cfg = report["counts"], report["config"]
    lines = [
        f"# newsrag eval: {Path(report['questions_file']).name}",
        "",
        f"{c['questions']} questions ({c['with_gold']} with a gold answer, {c['answerable']} "
        f"answerable from the corpus, {c['unanswerable']} not, {c['follow_ups']} follow-ups); "
        f"{c['errors']} failed with an error."
        + (f" First {report['limit']} questions of the file." if report.get("limit") else ""),
        "",
        f"LLM `{cfg.get('llm')}`{' ' + cfg['llm_model'] if cfg.get('llm_model') else ''}, "
        f"embedding model `{cfg.get('embedding_model') or 'all-MiniLM-L6-v2'}`, "
        f"top_k {cfg.get('top_k')}, context_tokens {cfg.get('context_tokens')}, "
        f"read_each {cfg.get('read_each')}, "
        f"min_similarity {cfg.get('min_similarity')}; index `{cfg.get('index')}` "
        f"(content {cfg.get('index_content')}). Report made {report['created']}.",
        "",
        "## Metrics",
        "",
        "Rates are count/total with a Wilson 95% interval; MRR has a normal-approximation one. "
        "Definitions: eval/README.md.",
        "",
        "| metric | count | value | 95% CI |",
        "|---|---:|---:|---:|",
    ]
    for m in report["metrics"].values():
        count, value, ci = _show_metric(m)
        lines.append(f"| {m['label']} | {count} | {value} | {ci} |")
    lines += ["", "## Latency", "", "| | median | p95 | questions |", "|---|---:|---:|---:|"]
    for name, lat in report["latency"].items():
        label = "time to first token" if name == "first_token" else "total time"
        lines.append(
            f"| {label} | {_seconds(lat['median'])} | {_seconds(lat['p95'])} | {lat['n']} |"
        )
    lines += ["", "## Where it fails", "", "| outcome | questions | meaning |", "|---|---:|---|"]
    for name, meaning in CATEGORIES.items():
        lines.append(f"| {name} | {report['categories'].get(name, 0)} | {meaning} |")
    for name in CATEGORIES:
        if name in ("correct", "correct_refusal"):
            continue
        rows = [r for r in report["questions"] if r["category"] == name]
        if not rows:
            continue
        lines += ["", f"### {name} ({len(rows)})", ""]
        lines += ["| id | question | gold | answer | gold rank |", "|---|---|---|---|---:|"]
        for r in rows:
            question = " → ".join([*r["history"], r["question"]])
            answer = r["error"] if r["error"] else r["answer"]
            gold = " / ".join(r["answers"]) or "(none)"
            lines.append(
                f"| {r['id']} | {_cell(question)} | {_cell(gold)} | {_cell(answer)} | "
                f"{r['gold_rank'] or '–'} |"
            )
    if report.get("baseline"):
        base = report["baseline"]
        lines += [
            "",
            f"## Against the baseline (made {base.get('created')})",
            "",
            render_diff(base),
        ]
    lines += ["", f"![metrics]({CHART})", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return _cut(text).replace("|", "\\|")


def plot(report: Mapping[str, Any], path: Path) -> Path:
    """Draw the rates with their 95% intervals, and the latencies, into a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [m for m in report["metrics"].values() if m["value"] is not None]
    base = {m["key"]: m["old"] for m in (report.get("baseline") or {}).get("metrics", [])}
    keys = [k for k, m in report["metrics"].items() if m["value"] is not None]
    fig, (ax, lat_ax) = plt.subplots(
        1, 2, figsize=(12, 0.42 * len(metrics) + 1.8), gridspec_kw={"width_ratios": [3, 1]}
    )
    ys = list(range(len(metrics)))[::-1]
    values = [m["value"] for m in metrics]
    err = [
        [max(0.0, m["value"] - m["low"]) for m in metrics],
        [max(0.0, m["high"] - m["value"]) for m in metrics],
    ]
    colors = ["#4C72B0" if m["higher_is_better"] else "#DD8452" for m in metrics]
    ax.barh(ys, values, xerr=err, color=colors, capsize=3, height=0.6)
    for y, m in zip(ys, metrics):
        count = f"{m['k']}/{m['n']}" if m["kind"] == "rate" else f"n={m['n']}"
        ax.text(1.02, y, f"{m['value']:.2f}  ({count})", va="center", fontsize=8)
    bx = [
        (y, base[k]["value"])
        for y, k in zip(ys, keys)
        if k in base and base[k]["value"] is not None
    ]
    if bx:
        ax.scatter([v for _, v in bx], [y for y, _ in bx], marker="D", color="black", s=18,
                   zorder=3, label="baseline")  # fmt: skip
        ax.legend(loc="lower right", fontsize=8)
    ax.set_yticks(ys, [m["label"] for m in metrics], fontsize=8)
    ax.set_xlim(0, 1.25)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("rates with 95% intervals (blue: higher is better, orange: lower)", fontsize=9)
    labels, medians, p95s = [], [], []
    for name, lat in report["latency"].items():
        labels.append("first token" if name == "first_token" else "total")
        medians.append(lat["median"] or 0.0)
        p95s.append(lat["p95"] or 0.0)
    xs = range(len(labels))
    lat_ax.bar([x - 0.2 for x in xs], medians, width=0.4, label="median", color="#55A868")
    lat_ax.bar([x + 0.2 for x in xs], p95s, width=0.4, label="p95", color="#C44E52")
    lat_ax.set_xticks(list(xs), labels, fontsize=8)
    lat_ax.set_ylabel("seconds", fontsize=8)
    lat_ax.set_title("latency per question", fontsize=9)
    lat_ax.set_ylim(0, max([*p95s, *medians, 0.001]) * 1.3)
    lat_ax.legend(fontsize=8, loc="upper left", ncols=2)
    c = report["counts"]
    fig.suptitle(
        f"newsrag eval: {Path(report['questions_file']).name}, {c['questions']} questions, "
        f"llm {report['config'].get('llm')}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(report: dict[str, Any], out: Path) -> list[Path]:
    """Write report.json, report.md and the chart into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.json", out / "report.md", out / CHART]
    paths[0].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(render_markdown(report), encoding="utf-8")
    plot(report, paths[2])
    return paths
