"""Concurrent users: N chat sessions at once against `newsrag serve`, through gradio_client.

Starts `newsrag serve` on a free port of 127.0.0.1 (nothing else is contacted), opens N chat
sessions at once (a gradio_client `Client` each, so each has its own chat history on the
server) and has each ask about its own article of the index: first a question naming the
article's headline, then follow-ups that only make sense with that session's history ("Which
outlet published that story, and when?"). It measures, per request, the latency, the time to the
first streamed words and the time spent waiting for the model (until the chat shows "Searching
the articles…"), and checks that no answer is mixed up with another session's. A request is
*mixed* when its chat shows a question the session did not ask (or misses one), its sources panel
is headed by another question, its follow-up was rewritten with another session's topic and not
its own, or a question about the session's article cites another session's article and not its
own. Prints a Markdown table and writes bench/results/load.json.

    .venv/bin/python bench/load.py [--index DIR] [--llm local|fake|openai] [--sessions 8]
        [--questions 2] [--timeout 900] [--articles FILE.jsonl] [--limit N]

The index defaults to the one `make bench` builds (.newsrag-bench, the RealtimeQA articles in
../shared); when it does not exist, the first --limit articles of --articles are ingested into
it. `--llm fake` (with NEWSRAG_FAKE_DELAY seconds per word, 0.05 here) is a quick check of the
harness; the default, the local model, is the real measurement: one model in memory, answers
one at a time, the other sessions queued.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT.parent / "shared" / "data" / "realtimeqa-2023q4" / "articles.jsonl"
FOLLOW_UPS = ("Which outlet published that story, and when?", "Who is named in it?")
_STOP_WORDS = """a an the of to in on at for and or but is are was were be been by with from as
    about into after over new says said say will would could can has have had its it
    this that his her their they he she we you what who how why when where which
    than then more most not no up out off all any two one first last news report"""
STOP = frozenset(_STOP_WORDS.split())


@dataclass
class Session:
    """One chat session: its article, its questions and what it saw for each."""

    number: int
    article_id: str
    title: str
    questions: list[str]
    words: set[str] = field(default_factory=set)  # headline words no other session has
    requests: list[dict[str, Any]] = field(default_factory=list)


def content_words(text: str) -> set[str]:
    """Lower-case words of `text` worth matching on: no stop words, no short words."""
    return {w for w in re.findall(r"[a-z][a-z'’-]+", text.lower()) if w not in STOP and len(w) > 3}


def pick_sessions(articles: list[dict[str, Any]], n: int, questions: int) -> list[Session]:
    """Choose `n` articles with headlines that share at most one word with each other."""
    chosen: list[dict[str, Any]] = []
    stride = max(1, len(articles) // (4 * n))
    for record in articles[::stride] + articles:
        title = " ".join(str(record.get("title") or "").split())
        words = content_words(title)
        if len(words) < 4 or record in chosen or '"' in title:
            continue
        if all(len(words & content_words(c["title"])) <= 1 for c in chosen):
            chosen.append(record)
        if len(chosen) == n:
            break
    if len(chosen) < n:
        sys.exit(
            f"error: found only {len(chosen)} articles with distinct headlines for {n} sessions"
        )
    sessions = []
    for i, record in enumerate(chosen):
        title = " ".join(record["title"].split())
        asked = [f'What does the story headlined "{title}" report?', *FOLLOW_UPS][:questions]
        sessions.append(Session(i + 1, record["id"], title, asked))
    for s in sessions:
        others = set().union(*(content_words(o.title) for o in sessions if o is not s))
        s.words = content_words(s.title) - others
    return sessions


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(index: Path, llm: str, log: Path, timeout: float) -> tuple[subprocess.Popen, str]:
    """Run `newsrag serve` on loopback; return the process and its URL once it answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSRAG_HOST", "NEWSRAG_AUTH")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
               ANONYMIZED_TELEMETRY="False")  # fmt: skip
    if llm == "fake":
        env.setdefault("NEWSRAG_FAKE_DELAY", "0.05")
    cmd = [sys.executable, "-m", "newsrag", "serve", "--index", str(index), "--llm", llm,
           "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=out, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"error: newsrag serve exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    sys.exit(f"error: newsrag serve did not answer within {timeout:.0f} s; see {log}")


def text_of(message: dict[str, Any]) -> str:
    """The HTML of a chat message as gradio_client returns it."""
    content = message["content"]
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content)


def plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def latest_turn(panel: str) -> str:
    """The sources panel's block for the latest answer (earlier ones follow it, folded)."""
    return panel.split("</section>", 1)[0]


def check_turn(
    session: Session, turn: int, messages: list[dict[str, Any]], panel: str, all_: list[Session]
) -> dict[str, Any]:
    """Check one answer against its session: see the module docstring for "mixed"."""
    asked = [" ".join(plain(text_of(m)).split()) for m in messages if m["role"] == "user"]
    block = latest_turn(panel)
    head = re.search(r'<div class="nr-q">Sources for: (.*?)</div>', block)
    searched = re.search(r'<div class="nr-searched">Searched for: (.*?)</div>', block)
    rewrite = html.unescape(searched.group(1)) if searched else ""
    answer = text_of(messages[-1]) if messages else ""
    tips = re.findall(r'class="nr-cite" href="[^"]*" title="([^"]*)"', answer)
    cited = {" ".join(html.unescape(t).rsplit(" (", 1)[0].split()) for t in tips}
    others = [o for o in all_ if o is not session]
    problems = []
    if asked != session.questions[: turn + 1]:
        problems.append(f"chat shows questions {asked}")
    if not head or " ".join(html.unescape(head.group(1)).split()) != session.questions[turn]:
        problems.append(f"sources panel headed {head.group(1) if head else None!r}")
    rewritten_own = bool(content_words(rewrite) & session.words)
    if rewrite and not rewritten_own:
        strangers = [o.number for o in others if content_words(rewrite) & o.words]
        if strangers:
            problems.append(f"follow-up rewritten with session {strangers}'s topic: {rewrite!r}")
    if turn == 0 and session.title not in cited:
        strangers = [o.number for o in others if o.title in cited]
        if strangers:
            problems.append(f"cites session {strangers}'s article, not its own")
    return {
        "mixed": problems,
        "cites_own": session.title in cited,
        "rewritten_own": rewritten_own if turn else None,
        "rewrite": rewrite,
        "error": plain(answer).strip() if 'class="nr-error"' in answer else "",
        "answer": plain(answer).strip()[:300],
    }


def run_session(
    session: Session, url: str, sessions: list[Session], start: threading.Event
) -> None:
    """Ask the session's questions in order, recording timings and checks for each."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    start.wait()
    for turn, question in enumerate(session.questions):
        record: dict[str, Any] = {"session": session.number, "turn": turn, "question": question}
        session.requests.append(record)
        t0 = time.perf_counter()
        first_token = queue_wait = None
        ahead: list[int] = []
        final: Any = None
        try:
            job = client.submit(question, "", "", "", [], api_name="/chat")
            for update in job:
                final = update
                now = time.perf_counter() - t0
                shown = text_of(update[1][-1]) if update[1] else ""
                if m := re.search(r"Waiting for the model: (\d+) answers? ahead", shown):
                    ahead.append(int(m.group(1)))
                elif queue_wait is None:
                    queue_wait = now
                if first_token is None and "nr-streaming" in shown:
                    first_token = now
            final = job.result()
        except Exception as exc:  # recorded as an error; the session stops
            record.update(latency=time.perf_counter() - t0, error=f"{type(exc).__name__}: {exc}")
            return
        record.update(latency=time.perf_counter() - t0, first_token=first_token,
                      queue_wait=queue_wait, max_ahead=max(ahead, default=0))  # fmt: skip
        record.update(check_turn(session, turn, final[1], final[2], sessions))


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarize(sessions: list[Session], planned: int, wall: float) -> dict[str, Any]:
    records = [r for s in sessions for r in s.requests]
    done = [r for r in records if "error" in r and not r["error"] and "mixed" in r]
    lat = [r["latency"] for r in done]
    ttft = [r["first_token"] for r in done if r.get("first_token") is not None]
    wait = [r["queue_wait"] for r in done if r.get("queue_wait") is not None]
    served = [r["latency"] - r["queue_wait"] for r in done if r.get("queue_wait") is not None]
    firsts = [r for r in done if r["turn"] == 0]
    follows = [r for r in done if r["turn"] > 0]
    return {
        "sessions": len(sessions),
        "requests": planned,
        "answered": len(done),
        "errors": planned - len(done),
        "mixed": sum(1 for r in records if r.get("mixed")),
        "latency_s": {"p50": pct(lat, 0.5), "p95": pct(lat, 0.95), "max": max(lat, default=None)},
        "first_token_s": {"p50": pct(ttft, 0.5), "p95": pct(ttft, 0.95)},
        "queue_wait_s": {"p50": pct(wait, 0.5), "p95": pct(wait, 0.95)},
        "once_served_s": {"p50": pct(served, 0.5), "p95": pct(served, 0.95)},
        "max_place_shown": max((r.get("max_ahead", 0) for r in records), default=0),
        "requests_that_saw_their_place": sum(1 for r in records if r.get("max_ahead")),
        "first_answers_citing_own_article": f"{sum(r['cites_own'] for r in firsts)}/{len(firsts)}",
        "follow_ups_rewritten_with_own_topic":
            f"{sum(bool(r['rewritten_own']) for r in follows)}/{len(follows)}",
        "wall_s": wall,
        "throughput_answers_per_min": 60 * len(done) / wall if wall else None,
    }  # fmt: skip


def table(summary: dict[str, Any], llm: str) -> str:
    """The summary as a Markdown table."""

    def s(v: float | None) -> str:
        return "-" if v is None else f"{v:.1f}"

    lat, ttft, wait = summary["latency_s"], summary["first_token_s"], summary["queue_wait_s"]
    n, planned = summary["sessions"], summary["requests"]
    rows = [
        ("LLM", llm),
        ("sessions × questions", f"{n} × {planned // max(1, n)}"),
        ("requests / answered / errors",
         f"{planned} / {summary['answered']} / {summary['errors']}"),
        ("latency p50 / p95 / max, s", f"{s(lat['p50'])} / {s(lat['p95'])} / {s(lat['max'])}"),
        ("time to first token p50 / p95, s", f"{s(ttft['p50'])} / {s(ttft['p95'])}"),
        ("queue wait p50 / p95, s", f"{s(wait['p50'])} / {s(wait['p95'])}"),
        ("answer time once its turn came p50 / p95, s",
         f"{s(summary['once_served_s']['p50'])} / {s(summary['once_served_s']['p95'])}"),
        ("requests shown their place in the queue (most ahead)",
         f"{summary['requests_that_saw_their_place']} ({summary['max_place_shown']})"),
        ("mixed answers", str(summary["mixed"])),
        ("first answers citing their session's article",
         summary["first_answers_citing_own_article"]),
        ("follow-ups rewritten with their session's topic",
         summary["follow_ups_rewritten_with_own_topic"]),
        ("wall time, s (answers per minute)",
         f"{summary['wall_s']:.0f} ({s(summary['throughput_answers_per_min'])})"),
    ]  # fmt: skip
    return "| what | result |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=ROOT / ".newsrag-bench")
    parser.add_argument("--llm", default="local", choices=["local", "fake", "openai"])
    parser.add_argument("--sessions", type=int, default=8, help="chat sessions at once (1-32)")
    parser.add_argument("--questions", type=int, default=2, help="questions per session (1-3)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds for the whole run")
    parser.add_argument("--articles", type=Path, default=ARTICLES, help="JSONL the index holds")
    parser.add_argument("--limit", type=int, default=0, help="articles to ingest if no index")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.json")
    args = parser.parse_args()
    if not 1 <= args.sessions <= 32 or not 1 <= args.questions <= 1 + len(FOLLOW_UPS):
        parser.error(f"--sessions must be 1-32 and --questions 1-{1 + len(FOLLOW_UPS)}")
    if not args.articles.exists():
        sys.exit(f"error: {args.articles} not found: pass --articles FILE.jsonl (needs ../shared)")
    articles = [json.loads(line) for line in args.articles.open() if line.strip()]
    if args.limit:
        articles = articles[: args.limit]
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="newsrag-load-"))
    if not (args.index / "chroma").exists():
        subset = tmp / "articles.jsonl"
        subset.write_text("".join(json.dumps(a) + "\n" for a in articles))
        print(f"ingesting {len(articles)} articles into {args.index}…", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "newsrag", "ingest", str(subset), "--index",
                        str(args.index)], check=True, cwd=ROOT)  # fmt: skip
    sessions = pick_sessions(articles, args.sessions, args.questions)
    warm_up_title = next(a["title"] for a in articles if a["id"] not in
                         {s.article_id for s in sessions} and a.get("title"))  # fmt: skip
    proc, url = start_server(args.index, args.llm, tmp / "serve.log", timeout=300)
    try:
        from gradio_client import Client

        t0 = time.perf_counter()
        Client(url, verbose=False).predict(
            f'What does the story headlined "{warm_up_title}" report?', api_name="/ask"
        )  # loads the model; not measured
        warm_up = time.perf_counter() - t0
        go = threading.Event()
        threads = [threading.Thread(target=run_session, args=(s, url, sessions, go), daemon=True)
                   for s in sessions]  # fmt: skip
        for t in threads:
            t.start()
        time.sleep(2)  # let every client connect, then start them together
        t0 = time.perf_counter()
        go.set()
        deadline = started + args.timeout
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        wall = time.perf_counter() - t0
        timed_out = any(t.is_alive() for t in threads)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    planned = args.sessions * args.questions
    summary = summarize(sessions, planned, wall)
    summary.update(llm=args.llm, index=str(args.index), warm_up_s=warm_up, timed_out=timed_out,
                   cpus=os.cpu_count())  # fmt: skip
    print(f"Concurrent chat sessions against `newsrag serve` ({os.cpu_count()} CPUs)\n")
    print(table(summary, args.llm))
    for s in sessions:
        for r in s.requests:
            if r.get("mixed") or r.get("error"):
                print(f"session {s.number} turn {r['turn']}: {r.get('mixed') or r.get('error')}",
                      file=sys.stderr)  # fmt: skip
    if timed_out:
        print(f"timed out after {args.timeout:.0f} s: unfinished requests count as errors",
              file=sys.stderr)  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "summary": summary,
        "sessions": [asdict(s) | {"words": sorted(s.words)} for s in sessions],
    }
    args.out.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    sys.exit(1 if summary["mixed"] or summary["errors"] else 0)


if __name__ == "__main__":
    main()
