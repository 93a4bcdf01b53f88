"""Deal extraction scored on the annotated SENTiVENT articles in ../shared/data/deals-sentivent.

Runs the ingest's extractor (`rag.deals.mentions.extract`: candidate filter, the local model's
form, field checks) on the 144 articles and scores it against the 139 Merger/Acquisition and
Investment events with relaxed matching: a predicted name counts when its span in the sentence
overlaps the annotated one, an amount when it is the same amount after normalisation.

- recall per slot: annotated arguments (buyer, target, amount) found by a mention of the
  event's sentence, over all annotated arguments of that slot. The "named" column counts only
  arguments that are names (a capital letter, not a pronoun such as "it" or "we"), which is
  what the extractor stores by design;
- precision per slot: stored fields that overlap an annotated argument of the same slot in the
  same sentence (any of the three deal types), over all stored fields;
- type: for found events, acquisition/merger for Merger/Acquisition, funding round/stake for
  Investment;
- rumoured: for found events, stage "rumoured" against the annotators' speculative flag.

    .venv/bin/python -m bench.deals                 # runs the local model (about 5 min)
    .venv/bin/python -m bench.deals --cache F.json  # keep/reuse the model's forms
    .venv/bin/python -m bench.deals --cache F.json --missed  # list the events not found
    .venv/bin/python -m bench.deals --cache F.json --unbacked  # the fields counted wrong

With `--index DIR` (an index of the 1,989-article 2023 corpus, e.g. the one `make bench`
builds) it also measures the deal step of ingest on that corpus (the extra time `newsrag
ingest` takes without `--no-deals`; articles already read are skipped, so `--fresh` drops
what an earlier run stored) and the latency of `newsrag deals` queries on the resulting table.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.deals.mentions import Mention, extract  # noqa: E402
from rag.deals.money import find_money, parse_money, same_amount  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "deals-sentivent" / "docs.jsonl"
ARTICLES = ROOT.parent / "shared" / "data" / "realtimeqa-2023q4" / "articles.jsonl"
RESULTS = ROOT / "bench" / "results" / "deals.json"
DEALS = {"Merger/Acquisition", "Investment"}
_FAMILY = {
    "Merger/Acquisition": {"acquisition", "merger"},
    "Investment": {"funding round", "stake"},
}
_NOT_NAMED = re.compile(r"^(?:it|its|we|they|he|she|the\b.*|this\b.*|a\b.*|an\b.*|our\b.*)$", re.I)


def _span(name: str, m: Mention, text: str) -> tuple[int, int] | None:
    """Where `name` occurs in the mention's sentence, as offsets in the article."""
    found = re.search(re.escape(name).replace(r"\ ", r"\s+"), m.sentence, re.IGNORECASE)
    return (m.start + found.start(), m.start + found.end()) if found else None


def _overlaps(a: tuple[int, int] | None, b: tuple[int, int]) -> bool:
    return a is not None and a[0] < b[1] and b[0] < a[1]


def _names_at(name: str, m: Mention, text: str, gold: tuple[int, int]) -> bool:
    """Whether the stored `name` stands at the annotated span: where the name occurs in the
    sentence, or the "it" / "the company" it was resolved from (`Mention.refs`)."""
    ref = m.refs.get(name)
    if ref and _overlaps((m.start + ref["start"], m.start + ref["end"]), gold):
        return True
    return _overlaps(_span(name, m, text), gold)


def _amount_matches(m: Mention, arg: dict[str, Any], text: str) -> bool:
    if not m.amount:
        return False
    gold = parse_money(arg["text"])
    mine = [x for x in find_money(m.sentence) if x.text == m.amount]
    if gold is not None and mine and same_amount(mine[0], gold):
        return True
    return _overlaps(_span(m.amount, m, text), (arg["begin"], arg["end"]))


def _named(arg: dict[str, Any]) -> bool:
    return bool(re.search(r"[A-Z]", arg["text"])) and not _NOT_NAMED.match(arg["text"].strip())


def missed(docs: list[dict[str, Any]], found: dict[str, list[Mention]]) -> list[str]:
    """A line for each annotated deal event that no stored mention's sentence holds: whether
    the candidate filter passed its sentence ("filter" or "model/checks": the model or the
    field checks left it out), its type, trigger and arguments, and the sentence."""
    from rag.deals.filter import candidates
    from rag.text import split_sentences

    lines = []
    for doc in docs:
        text = doc["text"]
        mentions = found.get(doc["id"], [])
        passed = [(b, e) for b, e, _ in candidates(text)]
        for event in doc["events"]:
            at = event["begin"]
            if event["type"] not in DEALS or any(m.start <= at < m.end for m in mentions):
                continue
            start, end = next(((b, e) for b, e in split_sentences(text) if b <= at < e), (at, at))
            stage = "model/checks" if any(b <= at < e for b, e in passed) else "filter"
            args = "; ".join(f"{a['slot']}: {a['text']}" for a in event["args"])
            lines.append(f"- [{stage}] {event['type']} \"{event['trigger']}\" ({args}): "
                         f"{text[start:end].strip()[:240]}")  # fmt: skip
    return lines


def unbacked(docs: list[dict[str, Any]], found: dict[str, list[Mention]]) -> list[str]:
    """A line for each stored field that no annotated argument of the same slot in its
    sentence backs (what precision counts as wrong): the slot, the value, the annotated
    arguments of that sentence, and the sentence."""
    lines = []
    for doc in docs:
        text = doc["text"]
        for m in found.get(doc["id"], []):
            args = [arg for event in doc["events"] if m.start <= event["begin"] < m.end
                    for arg in event["args"]]  # fmt: skip
            fields = [("buyer", n) for n in m.buyers] + [("target", m.target)] * bool(m.target)
            for slot, name in fields:
                if not any(a["slot"] == slot and _names_at(name, m, text, (a["begin"], a["end"]))
                           for a in args):  # fmt: skip
                    lines.append(_unbacked_line(slot, name, args, text[m.start : m.end]))
            if m.amount and not any(
                a["slot"] == "amount" and _amount_matches(m, a, text) for a in args
            ):
                lines.append(_unbacked_line("amount", m.amount, args, text[m.start : m.end]))
    return lines


def _unbacked_line(slot: str, value: str, args: list[dict[str, Any]], sentence: str) -> str:
    annotated = "; ".join(f"{a['slot']}: {a['text']}" for a in args) or "no deal annotated"
    return f'- {slot} "{value}" ({annotated}): {sentence.strip()[:240]}'


def score(docs: list[dict[str, Any]], found: dict[str, list[Mention]]) -> dict[str, Any]:
    slots = ("buyer", "target", "amount")
    recall = {s: [0, 0] for s in slots}
    named = {s: [0, 0] for s in slots}
    precision = {s: [0, 0] for s in slots}
    types = [0, 0]
    rumour = [0, 0]
    events_found = [0, 0]
    for doc in docs:
        text = doc["text"]
        mentions = found.get(doc["id"], [])
        for event in doc["events"]:
            if event["type"] not in DEALS:
                continue
            mine = [m for m in mentions if m.start <= event["begin"] < m.end]
            events_found[1] += 1
            events_found[0] += bool(mine)
            for arg in event["args"]:
                slot = arg["slot"]
                if slot not in slots:
                    continue
                gold = (arg["begin"], arg["end"])
                if slot == "amount":
                    hit = any(_amount_matches(m, arg, text) for m in mine)
                elif slot == "buyer":
                    hit = any(_names_at(n, m, text, gold) for m in mine for n in m.buyers)
                else:
                    hit = any(m.target and _names_at(m.target, m, text, gold) for m in mine)
                recall[slot][0] += hit
                recall[slot][1] += 1
                if slot == "amount" or _named(arg):
                    named[slot][0] += hit
                    named[slot][1] += 1
            if mine:
                types[1] += 1
                types[0] += any(m.type in _FAMILY[event["type"]] for m in mine)
                rumour[1] += 1
                rumour[0] += any((m.stage == "rumoured") == event["speculative"] for m in mine[:1])
        # Precision: every stored field against the annotations of its sentence, any deal type.
        for m in mentions:
            args = [
                arg
                for event in doc["events"]
                if m.start <= event["begin"] < m.end
                for arg in event["args"]
            ]
            for name in m.buyers:
                precision["buyer"][1] += 1
                precision["buyer"][0] += any(
                    arg["slot"] == "buyer" and _names_at(name, m, text, (arg["begin"], arg["end"]))
                    for arg in args
                )
            if m.target:
                precision["target"][1] += 1
                precision["target"][0] += any(
                    arg["slot"] == "target"
                    and _names_at(m.target, m, text, (arg["begin"], arg["end"]))
                    for arg in args
                )
            if m.amount:
                precision["amount"][1] += 1
                precision["amount"][0] += any(
                    arg["slot"] == "amount" and _amount_matches(m, arg, text) for arg in args
                )
    return {
        "recall": recall,
        "recall_named": named,
        "precision": precision,
        "type": types,
        "rumoured": rumour,
        "events_found": events_found,
        "mentions": sum(len(v) for v in found.values()),
    }


def _ratio(pair: list[int]) -> str:
    return f"{pair[0] / pair[1]:.2f} ({pair[0]}/{pair[1]})" if pair[1] else "-"


def render(result: dict[str, Any]) -> str:
    lines = [
        "| slot | recall (all args) | recall (named args) | precision of stored fields |",
        "|---|---:|---:|---:|",
    ]
    for slot in ("buyer", "target", "amount"):
        lines.append(
            f"| {slot} | {_ratio(result['recall'][slot])} | {_ratio(result['recall_named'][slot])}"
            f" | {_ratio(result['precision'][slot])} |"
        )
    lines += [
        "",
        f"events with a mention in their sentence: {_ratio(result['events_found'])}",
        f"deal type right (found events): {_ratio(result['type'])}",
        f"rumoured vs factual right (found events): {_ratio(result['rumoured'])}",
        f"mentions stored: {result['mentions']}; model calls: {result.get('calls', '-')}; "
        f"seconds: {result.get('seconds', 0):.0f}",
    ]
    return "\n".join(lines)


def corpus_run(index: Path, fresh: bool) -> dict[str, Any]:
    """The deal step of ingest on the 2023 corpus, and query latency on its deal table."""
    import datetime as dt
    import statistics

    from rag.config import Settings
    from rag.corpus import load
    from rag.deals.pipeline import count_candidates, update_deals
    from rag.deals.query import DealQuery, find_deals
    from rag.deals.storage import DealStore, DealTable
    from rag.store import VectorStore
    from rag.types import Article

    settings = Settings.load(index=index, llm="local")
    store = VectorStore(settings, "all-MiniLM-L6-v2")
    articles = [a for a in load([str(ARTICLES)]) if isinstance(a, Article)]
    if fresh:
        DealStore(store).remove(a.id for a in articles)
    report = update_deals(articles, store, settings, progress=sys.stderr.isatty())
    table = DealTable(index)
    queries = {
        "all, by date": DealQuery(),
        "by amount, >= $100M": DealQuery(sort="amount", min_usd=1e8),
        "company": DealQuery(company="Microsoft"),
        "investor": DealQuery(investor="Alibaba"),
        "stage + type": DealQuery(stage="rumoured", type="acquisition"),
        "date range": DealQuery(since=dt.date(2023, 11, 1), until=dt.date(2023, 11, 30)),
    }
    latency = {}
    for name, query in queries.items():
        samples = []
        for _ in range(21):
            t = time.perf_counter()
            found = find_deals(table, query)
            samples.append((time.perf_counter() - t) * 1000)
        latency[name] = {"p50_ms": statistics.median(samples), "deals": len(found)}
    return {
        "articles": len(articles),
        "candidates": count_candidates(articles),
        "read": report.read,
        "model_calls": report.candidates,
        "mentions": report.mentions,
        "deals": report.deals,
        "seconds": report.seconds,
        "latency": latency,
    }


def render_corpus(run: dict[str, Any]) -> str:
    lines = [
        f"Deal step of ingest on {run['articles']} articles: {run['read']} read, "
        f"{run['model_calls']} model calls (of {run['candidates']} candidate sentences), "
        f"{run['mentions']} mentions, {run['deals']} deals, {run['seconds'] / 60:.1f} min",
        "",
        "| `newsrag deals` query | p50 ms | deals |",
        "|---|---:|---:|",
    ]
    for name, row in run["latency"].items():
        lines.append(f"| {name} | {row['p50_ms']:.1f} | {row['deals']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="JSON file of model forms to reuse and extend")
    parser.add_argument("--index", type=Path, help="an index of the 2023 corpus (see above)")
    parser.add_argument("--fresh", action="store_true", help="extract the corpus again")
    parser.add_argument("--corpus-only", action="store_true", help="skip deals-sentivent")
    parser.add_argument("--missed", action="store_true",
                        help="list the annotated events no mention was found for")  # fmt: skip
    parser.add_argument("--unbacked", action="store_true",
                        help="list the stored fields no annotated argument backs")  # fmt: skip
    args = parser.parse_args()
    if args.index:
        if not ARTICLES.exists():
            print(f"skipped: {ARTICLES} not found (../shared is not beside the repository)")
            return
        run = corpus_run(args.index, args.fresh)
        print(render_corpus(run) + "\n")
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.with_name("deals-corpus.json").write_text(json.dumps(run, indent=1))
        if args.corpus_only:
            return
    if not DATA.exists():
        print(f"skipped: {DATA} not found (../shared is not beside the repository)")
        return
    from rag.config import Settings
    from rag.deals.filter import candidates
    from rag.deals.forms import LocalForms
    from rag.deals.prompt import user_prompt

    docs = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    cache: dict[str, Any] = {}
    if args.cache and args.cache.exists():
        cache = json.loads(args.cache.read_text())
    model = LocalForms(Settings.load(llm="local"))
    calls = 0

    def fill(sentence, amounts):  # type: ignore[no-untyped-def]
        nonlocal calls
        key = user_prompt(sentence, amounts)
        if key not in cache:
            cache[key] = model(sentence, amounts)
            calls += 1
        return cache[key]

    start = time.perf_counter()
    # As ingest does: every form the cache lacks, filled together (several at a time).
    todo = {}
    for d in docs:
        for begin, end, amounts in candidates(d["text"]):
            sentence = d["text"][begin:end]
            key = user_prompt(sentence, amounts)
            if key not in cache:
                todo[key] = (sentence, amounts)
    cache.update(zip(todo, model.fill_many(list(todo.values()))))
    calls += len(todo)
    found = {d["id"]: extract(d["id"], d["text"], fill, title=d.get("title")) for d in docs}
    seconds = time.perf_counter() - start
    if args.cache:
        args.cache.write_text(json.dumps(cache, indent=1))
    result = score(docs, found)
    result.update(calls=calls, seconds=seconds)
    print(f"Deal extraction on {DATA.parent.name}: {len(docs)} articles\n")
    print(render(result))
    if args.missed:
        lines = missed(docs, found)
        print(f"\n{len(lines)} annotated deal events with no mention in their sentence:\n")
        print("\n".join(lines))
    if args.unbacked:
        lines = unbacked(docs, found)
        print(f"\n{len(lines)} stored fields no annotated argument of their sentence backs:\n")
        print("\n".join(lines))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
