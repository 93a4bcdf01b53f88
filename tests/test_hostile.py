"""Hostile input (issue 15): every numbered case, with a real input each.

Network cases run real HTTP servers on loopback addresses: one that redirects, one that drips
bytes, one that serves a feed of thousands of entries. Since those servers are internal
addresses themselves, the default policy refuses them; a test that needs a page fetched allows
exactly the server it fetches from (127.0.0.2, or 127.0.0.1 where nothing else matters), so
that a redirect or a feed entry pointing at 127.0.0.1 is still refused by the default rules.
Memory and time bounds are measured in a child process (VmHWM), as in tests/test_faults.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rag.config import Settings
from rag.corpus import LoadError, LoadOptions, load
from rag.embeddings import FakeEmbedder
from rag.fetch import FetchPolicy, FetchRefused, check_url, fetch
from rag.ingest import ingest
from rag.limits import json_depth_ok, terminal_safe
from rag.store import VectorStore
from rag.types import Article
from tests.conftest import ROOT, make_record, newsrag_env, start_serve, write_jsonl
from tests.test_faults import PEAK_MEMORY

ALLOW_HINT = "set NEWSRAG_ALLOW_PRIVATE_URLS={} to allow it"

# -- servers -------------------------------------------------------------------------------------

Route = Callable[["_Handler"], None]


@dataclass
class Server:
    """A real HTTP server on `host`, answering from `routes`; counts the requests per path."""

    host: str
    routes: dict[str, Route]
    hits: dict[str, int] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        state = self.server.state  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        state.hits[path] = state.hits.get(path, 0) + 1
        route = state.routes.get(path) or next(
            (r for prefix, r in state.routes.items() if prefix.endswith("*")
             and path.startswith(prefix[:-1])), None,
        )  # fmt: skip
        if route is None:
            self.send_error(404)
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
            route(self)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def reply(self, body: bytes, ctype: str = "text/html", **headers: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)


def start_server(host: str, routes: dict[str, Route]) -> tuple[Any, Server]:
    """Serve `routes` on `host` (any free port) in a thread; return the server and its state."""
    state = Server(host, routes)
    httpd = http.server.ThreadingHTTPServer((host, 0), _Handler)
    httpd.daemon_threads = True
    httpd.state = state  # type: ignore[attr-defined]
    state.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, state


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """Start servers on demand: serve(host, routes) -> Server; all stopped at the end."""
    started: list[tuple[http.server.ThreadingHTTPServer, Server]] = []

    def start(host: str, routes: dict[str, Route]) -> Server:
        httpd, state = start_server(host, routes)
        started.append((httpd, state))
        return state

    yield start
    for httpd, state in started:
        state.stop.set()  # lets dripping and hanging handlers end
        httpd.shutdown()
        httpd.server_close()


def redirect_to(url: str) -> Route:
    def route(h: _Handler) -> None:
        h.send_response(302)
        h.send_header("Location", url)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return route


def page_route(title: str, body: str) -> Route:
    return lambda h: h.reply(page(title, body).encode())


def page(title: str, body: str) -> str:
    para = f"<p>{body}</p>" * 3
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{para}"
            "</article></body></html>")  # fmt: skip


SECRET = "The internal admin password is hunter2 and the backup key is on the shared drive. "


def secret_route(h: _Handler) -> None:
    h.reply(page("Internal", SECRET * 2).encode())


def drip(h: _Handler) -> None:
    """Send headers, then one byte every 0.2 s until the test ends: never a whole page."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    while not h.server.state.stop.wait(0.2):  # type: ignore[attr-defined]
        h.wfile.write(b" ")
        h.wfile.flush()


def hang(h: _Handler) -> None:
    """Accept the request and say nothing until the test ends."""
    h.server.state.stop.wait(120)  # type: ignore[attr-defined]


def _gzip_bomb(megabytes: int) -> bytes:
    """A gzip stream of `megabytes` MB of spaces, about 1 KB per MB (members concatenated)."""
    return gzip.compress(b" " * 1_000_000, 9) * megabytes


def gzip_bomb_route(h: _Handler) -> None:
    h.reply(_gzip_bomb(1000), Content_Encoding="gzip")


FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Feed</title><link>{base}/</link><description>News</description>
{items}</channel></rss>"""


def feed_xml(base: str, links: list[str], content: str = "") -> bytes:
    items = "".join(
        f"<item><title>Entry {i}</title><link>{link}</link>"
        "<pubDate>Wed, 01 Nov 2023 10:00:00 GMT</pubDate>"
        + (f"<content:encoded><![CDATA[<p>{content}</p>]]></content:encoded>" if content else "")
        + "</item>\n"
        for i, link in enumerate(links)
    )
    return FEED.format(base=base, items=items).encode()


def only(host: str, **kw: Any) -> LoadOptions:
    """Options that allow fetching from `host` alone (besides public addresses)."""
    return LoadOptions(policy=FetchPolicy(allow_private=frozenset({host}), **kw))


def split(items: Any) -> tuple[list[Article], list[LoadError], list[LoadError]]:
    items = list(items)
    articles = [i for i in items if isinstance(i, Article)]
    errors = [i for i in items if isinstance(i, LoadError) and not i.warning]
    warnings = [i for i in items if isinstance(i, LoadError) and i.warning]
    return articles, errors, warnings


# -- the CLI in a child process, with its peak memory ---------------------------------------------


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float

    @property
    def errors(self) -> list[str]:
        return [x for x in self.stderr.splitlines() if x.startswith("error:")]

    @property
    def warnings(self) -> list[str]:
        return [x for x in self.stderr.splitlines() if x.startswith("warning:")]

    def assert_clean(self) -> None:
        """No traceback, and every line on stderr is an error, a warning or the memory probe."""
        assert "Traceback" not in self.stderr, self.stderr
        other = [x for x in self.stderr.splitlines() if x.strip() and not
                 x.startswith(("error:", "warning:", "maxrss_kb", "Error:"))]  # fmt: skip
        assert not other or other == [other[0]] and "input(s) failed" in other[0], self.stderr


def newsrag(*args: str, timeout: float = 300, **env: str) -> Run:
    """Run `newsrag ARGS` (fake embedder, no NEWSRAG_* from the developer) in a child process."""
    full_env = newsrag_env(NEWSRAG_EMBEDDING_MODEL="fake", **env)
    t0 = time.monotonic()
    result = subprocess.run([sys.executable, "-c", PEAK_MEMORY, *args], capture_output=True,
                            text=True, timeout=timeout, cwd=ROOT, env=full_env)  # fmt: skip
    seconds = time.monotonic() - t0
    peak = re.findall(r"maxrss_kb (\d+)", result.stderr)
    return Run(result.returncode, result.stdout, result.stderr, seconds,
               int(peak[-1]) / 1024 if peak else 0.0)  # fmt: skip


def stored(index: Path) -> dict[str, Any]:
    return VectorStore(Settings.load(index=index, embedding_model="fake"), "fake").articles()


# == 1. SSRF ======================================================================================


def test_1_a_redirect_to_loopback_is_refused_at_the_hop(serve: Callable[..., Server]):
    inside = serve("127.0.0.1", {"/secret": secret_route})
    story = page_route("Harbour plan", "The council approved the harbour plan on Tuesday. " * 3)
    outside = serve("127.0.0.2", {"/r": redirect_to(f"{inside.base}/secret"),
                                  "/ok": redirect_to("/story"), "/story": story})  # fmt: skip
    articles, errors, _ = split(load([f"{outside.base}/r", f"{outside.base}/ok"],
                                     options=only("127.0.0.2")))  # fmt: skip
    assert [str(e) for e in errors] == [
        f"{outside.base}/r: refused: redirected to {inside.base}/secret: 127.0.0.1 is a "
        f"loopback address; {ALLOW_HINT.format('127.0.0.1')}"
    ]
    assert [a.title for a in articles] == ["Harbour plan"]  # a redirect within the allowed host
    assert inside.hits == {}  # nothing was sent to the internal server


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8000/admin", "127.0.0.1 is a loopback address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://10.1.2.3/", "10.1.2.3 is a private address"),
        ("http://192.168.0.1/", "192.168.0.1 is a private address"),
        ("http://[fd00::1]/", "fd00::1 is a private address"),
        ("http://100.64.0.1/", "100.64.0.1 is a reserved address"),
        ("http://0.0.0.0:8000/", "0.0.0.0 is an unspecified address"),
        ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
        ("http://2130706433/", "2130706433 (127.0.0.1) is a loopback address"),  # decimal IP
    ],
)
def test_1_internal_addresses_are_refused_by_default(url: str, reason: str):
    with pytest.raises(FetchRefused) as err:
        check_url(url, FetchPolicy())
    host = reason.split(" ", 1)[0]
    assert str(err.value) == f"refused: {reason}; {ALLOW_HINT.format(host)}"


def test_1_localhost_is_refused_whatever_it_resolves_to_first():
    with pytest.raises(
        FetchRefused,
        match=r"^refused: localhost \((127\.0\.0\.1|::1)\) is a "
        "loopback address; set NEWSRAG_ALLOW_PRIVATE_URLS=localhost to allow it$",
    ):
        check_url("http://localhost:8000/", FetchPolicy())  # fmt: skip


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x/"])
def test_1_only_http_is_fetched(url: str):
    with pytest.raises(FetchRefused, match="^refused: only http\\(s\\) URLs are fetched"):
        check_url(url, FetchPolicy())


def test_1_host_names_are_checked_after_resolving_and_connected_to_as_checked(
    serve: Callable[..., Server],
):
    """A name that resolves inside is refused; an allowed one is fetched from the address that
    was checked (the system resolver has never heard of it), with its own Host header."""
    seen_hosts: list[str] = []

    def story(h: _Handler) -> None:
        seen_hosts.append(h.headers["Host"])
        h.reply(page("Pinned", "The ferry resumed service to the islands on Monday. " * 3).encode())

    local = serve("127.0.0.1", {"/story": story})
    lookups: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    with pytest.raises(
        FetchRefused, match=r"refused: news\.example \(127\.0\.0\.1\) is a loopback"
    ):
        fetch(f"http://news.example:{local.port}/story", FetchPolicy(resolve=resolve))
    assert local.hits == {}
    policy = FetchPolicy(resolve=resolve, allow_private=frozenset({"pinned.invalid"}))
    got = fetch(f"http://pinned.invalid:{local.port}/story", policy)
    assert b"ferry resumed" in got.body
    assert seen_hosts == [f"pinned.invalid:{local.port}"]
    assert lookups == ["news.example", "pinned.invalid"]  # resolved once each, never again


def test_1_feed_entries_pointing_inside_are_refused_not_replaced(serve: Callable[..., Server]):
    inside = serve("127.0.0.1", {"/secret": secret_route})
    links = [f"{inside.base}/secret", "http://169.254.169.254/latest/meta-data/",
             "file:///etc/passwd", "/story"]  # fmt: skip
    content = "This entry carries its own full text in the feed, long enough to be used. " * 4
    rss = "application/rss+xml"
    outside = serve("127.0.0.2", {
        "/feed.xml": lambda h: h.reply(feed_xml(outside.base, links, content), rss),
        "/story": page_route("Fine", "The bridge reopened on Thursday after two years. " * 3),
    })  # fmt: skip
    feed = f"{outside.base}/feed.xml"
    articles, errors, _ = split(load([feed], options=only("127.0.0.2")))
    assert [str(e) for e in errors] == [
        f"{feed}#entry1 ({inside.base}/secret): refused: 127.0.0.1 is a loopback address; "
        f"{ALLOW_HINT.format('127.0.0.1')}",
        f"{feed}#entry2 (http://169.254.169.254/latest/meta-data/): refused: 169.254.169.254 "
        f"is a link-local address; {ALLOW_HINT.format('169.254.169.254')}",
        # feedparser hands the link over as file://etc/passwd
        f"{feed}#entry3 (file://etc/passwd): refused: only http(s) URLs are fetched, not file:",
    ]
    assert [a.url for a in articles] == [f"{outside.base}/story"]  # a relative link, resolved
    assert inside.hits == {}


def test_1_policy_setting_parses():
    parse = FetchPolicy.parse_allow
    assert parse("") is False and parse("0") is False and parse("1") is True
    assert parse(" Intranet.example, 10.0.0.5:8080 ") == frozenset(
        {"intranet.example", "10.0.0.5:8080"}
    )
    policy = FetchPolicy(allow_private=parse("10.0.0.5:8080"))
    assert policy.allows_private("10.0.0.5", 8080) and not policy.allows_private("10.0.0.5", 80)


# == 2. decompression bombs, 3. YAML alias bomb ===================================================

ALIAS_BOMB = """---
title: Laughs
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
---
The council met on Tuesday to discuss the budget.
"""


def test_2_3_bombs_in_every_format_stop_early_in_bounded_memory(tmp_path: Path):
    """1 GB of spaces gzipped into about 1 MB, under every name that is decompressed, a YAML
    alias bomb, deep YAML and deep HTML: one error line each, in seconds and little memory;
    what was stored stays."""
    index = tmp_path / "ix"
    first = newsrag("ingest", str(write_jsonl(tmp_path / "old.jsonl", [make_record(0)])),
                    "--index", str(index))  # fmt: skip
    assert first.returncode == 0, first.stderr
    folder = tmp_path / "in"
    folder.mkdir()
    bomb = _gzip_bomb(1000)
    for name in ["bomb.jsonl.gz", "bomb.json.gz", "bomb.xml.gz", "bomb.md.gz", "bomb.html.gz"]:
        (folder / name).write_bytes(bomb)
    (folder / "laughs.md").write_text(ALIAS_BOMB)
    deep = "---\ntitle: Deep\ntags: " + "[" * 5000 + "]" * 5000 + "\n---\nSome text here.\n"
    (folder / "deep.md").write_text(deep)
    # HTML nested 500,000 deep: lxml stops at its own depth limit, trafilatura finds no text.
    (folder / "deep.html").write_text("<html><body>" + "<div>" * 500_000 + "Some text. " * 20
                                      + "</div>" * 500_000 + "</body></html>")  # fmt: skip
    write_jsonl(folder / "good.jsonl", [make_record(1), make_record(2)])

    run = newsrag("ingest", str(folder), "--index", str(index))
    run.assert_clean()
    assert run.returncode == 1
    gz_cap = f"{(50 * len(bomb) + 1_000_000) / 1e6:g}"
    assert run.errors == [
        f"error: {folder / 'bomb.html.gz'}: the article file is over the 10 MB limit "
        "(NEWSRAG_MAX_ARTICLE_MB)",
        f"error: {folder / 'bomb.json.gz'}: the .json file is over the 50 MB limit (a .json "
        "file is read whole: use .jsonl)",
        f"error: {folder / 'bomb.jsonl.gz'}: over {gz_cap} MB (50 times its compressed size: "
        "a gzip bomb?): the rest of the file is not read",
        f"error: {folder / 'bomb.md.gz'}: the article file is over the 10 MB limit "
        "(NEWSRAG_MAX_ARTICLE_MB)",
        f"error: {folder / 'bomb.xml.gz'}: the feed file is over the 20 MB limit (a feed file "
        "is read whole)",
        f"error: {folder / 'deep.html'}: no article text found in the page",
        f"error: {folder / 'deep.md'}: front matter is nested more than 32 levels deep",
        f"error: {folder / 'laughs.md'}: front matter line 4: YAML aliases (*name) are not allowed",
    ]
    assert run.stdout.startswith("2 added, 0 updated, 0 unchanged, 8 failed")
    assert set(stored(index)) == {make_record(i)["id"] for i in range(3)}
    assert run.seconds < 120 and run.peak_mb < 400, (run.seconds, run.peak_mb)


# == 4. silent line loss ==========================================================================


def test_4_every_bad_jsonl_line_is_one_line_and_every_good_line_is_stored(
    tmp_path: Path, settings: Settings
):
    good = [make_record(i) for i in range(8)]
    bad = [
        json.dumps({**make_record(20), "url": "http://[::1"}),  # urlparse raises on it
        "[" * 100_000 + "]" * 100_000,  # deeper than Python's JSON parser can recurse
        '{"text": "x", "id": ' + "9" * 5000 + "}",  # an integer too long to convert
        json.dumps({**make_record(21), "url": "javascript:alert(1)"}),
        '"just a string"',
        json.dumps({**make_record(22), "text": "\x00\x01\x1b\x07 "}),  # only controls
    ]
    lines = [json.dumps(r) for r in good]
    for i, line in enumerate(bad):
        lines.insert(1 + 2 * i, line)
    f = tmp_path / "news.jsonl"
    f.write_text("\n".join(lines) + "\n")
    report = ingest([str(f)], settings, embedder=FakeEmbedder())
    assert [str(e) for e in report.errors] == [
        f"{f}:2: field 'url': 'http://[::1' is not a valid URL",
        f"{f}:4: JSON nested more than 64 levels deep",
        f"{f}:6: JSON Exceeds the limit (4300 digits) for integer string conversion: value has "
        "5000 digits; use sys.set_int_max_str_digits() to increase the limit",
        f"{f}:8: field 'url': 'javascript:alert(1)' is not an http(s) URL",
        f"{f}:10: expected a JSON object, got str",
        f"{f}:12: field 'text' is missing or empty",
    ]
    assert (report.added, report.failed) == (8, 6)
    assert set(VectorStore(settings, "fake").articles()) == {r["id"] for r in good}


def test_4_a_file_of_bad_lines_is_given_up_after_a_hundred(tmp_path: Path):
    f = tmp_path / "junk.jsonl"
    f.write_text("{}\n" * 5000 + json.dumps(make_record(0)) + "\n")
    _, errors, _ = split(load([str(f)]))
    assert len(errors) == 101
    assert str(errors[-1]) == f"{f}:100: 100 bad lines: the rest of the file is not read"


def test_4_json_depth_check_skips_strings():
    assert json_depth_ok('{"a": "' + "[" * 1000 + '"}')
    assert json_depth_ok('{"a": "\\"' + "[" * 1000 + '"}')
    assert not json_depth_ok("[" * 65 + "]" * 65)
    assert json_depth_ok("[" * 64 + "]" * 64)


# == 5. one bad URL among files ===================================================================


def test_5_a_malformed_url_between_files_stores_both_files(tmp_path: Path):
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text("The bridge reopened on Thursday after two years of repairs.\n")
    b.write_text("The ferry resumed service to the islands on Monday.\n")
    index = tmp_path / "ix"
    run = newsrag("ingest", str(a), "http://[::1", str(b), "--index", str(index))
    run.assert_clean()
    assert run.returncode == 1
    assert run.errors == ["error: http://[::1: not a valid URL (Invalid IPv6 URL)"]
    assert run.stdout.startswith("2 added, 0 updated, 0 unchanged, 1 failed")
    assert len(stored(index)) == 2


# == 6. unbounded fetching ========================================================================


def test_6_a_page_has_one_deadline_not_one_per_read(serve: Callable[..., Server]):
    local = serve("127.0.0.1", {"/drip": drip})
    t0 = time.monotonic()
    _, errors, _ = split(load([f"{local.base}/drip"], options=only("127.0.0.1", timeout=2)))
    seconds = time.monotonic() - t0
    assert [str(e) for e in errors] == [
        f"{local.base}/drip: timed out after 2s (NEWSRAG_FETCH_TIMEOUT)"
    ]
    assert seconds < 15, seconds  # 2 s, plus at most one 0.2 s read, plus a busy machine


def test_6_a_feed_of_5000_entries_fetches_200_pages(serve: Callable[..., Server]):
    def story(h: _Handler) -> None:
        n = h.path.rsplit("/", 1)[1]
        h.reply(
            page(f"Story {n}", f"Story {n}: the council approved plan {n} today. " * 3).encode()
        )

    local = serve("127.0.0.1", {"/story/*": story})
    links = [f"{local.base}/story/{i}" for i in range(5000)]
    local.routes["/feed.xml"] = lambda h: h.reply(
        feed_xml(local.base, links), "application/rss+xml"
    )
    feed = f"{local.base}/feed.xml"
    articles, errors, warnings = split(load([feed], options=only("127.0.0.1", timeout=20)))
    assert not errors
    assert [str(w) for w in warnings] == [
        f"{feed}: 5,000 entries: only the first 200 are read (NEWSRAG_FEED_MAX_ENTRIES)"
    ]
    assert len(articles) == 200 and articles[-1].url == f"{local.base}/story/199"
    assert sum(n for path, n in local.hits.items() if path.startswith("/story/")) == 200


def test_6_a_feed_of_hanging_pages_ends_at_its_deadline(serve: Callable[..., Server]):
    local = serve("127.0.0.1", {"/hang/*": hang})
    links = [f"{local.base}/hang/{i}" for i in range(40)]
    local.routes["/feed.xml"] = lambda h: h.reply(
        feed_xml(local.base, links), "application/rss+xml"
    )
    feed = f"{local.base}/feed.xml"
    options = dataclass_replace(only("127.0.0.1", timeout=60), feed_deadline=2.0)
    t0 = time.monotonic()
    articles, errors, _ = split(load([feed], options=options))
    seconds = time.monotonic() - t0
    assert not articles
    assert [str(e) for e in errors] == [
        f"{feed}: the feed's 2s deadline passed: 40 of 40 entries not read (NEWSRAG_FEED_DEADLINE)"
    ]
    assert seconds < 20, seconds
    assert sum(local.hits.get(f"/hang/{i}", 0) for i in range(40)) <= 4  # only the first few


def dataclass_replace(obj: Any, **changes: Any) -> Any:
    import dataclasses

    return dataclasses.replace(obj, **changes)


def test_6_network_bombs_and_drips_in_bounded_time_and_memory(
    serve: Callable[..., Server], tmp_path: Path
):
    """Through the CLI in a child: a gzip-encoded response that expands to 1 GB, a dripping
    page and a redirect inside, next to a good page; each one line, nothing else lost."""
    local = serve("127.0.0.1", {
        "/bomb": gzip_bomb_route, "/drip": drip,
        "/story": page_route("Wind record", "Wind farms produced a record share of power. " * 3),
    })  # fmt: skip
    inside = serve("127.0.0.1", {"/secret": secret_route})
    outside = serve("127.0.0.2", {"/r": redirect_to(f"{inside.base}/secret")})
    index = tmp_path / "ix"
    urls = [f"{local.base}/bomb", f"{local.base}/drip", f"{outside.base}/r", f"{local.base}/story"]
    run = newsrag("ingest", *urls, "--index", str(index), "--fetch-timeout", "3",
                  NEWSRAG_ALLOW_PRIVATE_URLS=f"127.0.0.2,127.0.0.1:{local.port}")  # fmt: skip
    run.assert_clean()
    assert run.errors == [
        f"error: {local.base}/bomb: response larger than 20 MiB",
        f"error: {local.base}/drip: timed out after 3s (NEWSRAG_FETCH_TIMEOUT)",
        f"error: {outside.base}/r: refused: redirected to {inside.base}/secret: 127.0.0.1 is a "
        f"loopback address; {ALLOW_HINT.format('127.0.0.1')}",
    ]  # 127.0.0.1 is allowed on the one port listed, not on the internal server's
    assert len(stored(index)) == 1 and inside.hits == {}
    assert run.seconds < 90 and run.peak_mb < 400, (run.seconds, run.peak_mb)


# == 7. eval ======================================================================================


def test_7_every_bad_question_line_is_one_line(tmp_path: Path):
    from newsrag.cli import main

    q = {"id": "q1", "question": "Who?", "answers": ["x"]}
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join([json.dumps(q), "[" * 100_000 + "]" * 100_000, "{oops",
                               json.dumps({**q, "id": "q2"}), json.dumps(q)]) + "\n")  # fmt: skip
    result = CliRunner().invoke(main, ["eval", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.splitlines() == [
        f"Error: {path}:2: JSON nested more than 64 levels deep",
        f"{path}:3: malformed JSON at column 2: Expecting property name enclosed in double quotes",
        f"{path}:5: id: 'q1' repeats the id of line 1",
    ]


def test_7_an_unwritable_out_is_one_line(tmp_path: Path):
    from newsrag.cli import main

    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps({"id": "q1", "question": "Who?", "answers": ["x"]}) + "\n")
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    result = CliRunner().invoke(main, ["eval", str(path), "--out", str(a_file / "out")])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: Cannot write to --out {a_file / 'out'} (Not a directory): make it writable or "
        "pass another --out."
    ]
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() == 0:  # root ignores file modes: make the file system itself read-only
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)],
                                 capture_output=True, text=True)  # fmt: skip
        if mounted.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
        reason = "Read-only file system"
    else:
        ro.chmod(0o555)
        reason = "Permission denied"
    try:
        result = CliRunner().invoke(main, ["eval", str(path), "--out", str(ro / "out")])
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(ro)], check=False)
        else:
            ro.chmod(0o755)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: Cannot write to --out {ro / 'out'} ({reason}): make it writable or pass "
        "another --out."
    ]


# == 8. lower severity ============================================================================


def test_8_escape_sequences_never_reach_the_terminal(tmp_path: Path, settings: Settings):
    """Stored before this fix (written to the store directly), or ingested now: either way
    `newsrag search` prints no escape sequence."""
    from newsrag.cli import main
    from rag.chunking import chunk_articles
    from rag.ingest import sync_keyword_index
    from rag.store import KeywordIndex

    evil = "\x1b]0;owned\x07\x1b[2J\x1b[31mRed\u202eevil\x9b1m"
    embedder = FakeEmbedder()
    old = Article(title=f"Budget {evil}", text=f"The budget was approved. {evil} " * 3,
                  url="https://news.example/old", source=f"Outlet {evil}")  # fmt: skip
    [chunks] = chunk_articles([old], embedder, 200)
    store = VectorStore(settings, "fake")
    store.replace([old], chunks, embedder.embed_tokens([c.tokens for c in chunks]))
    sync_keyword_index(store, KeywordIndex(settings.index / "keyword"))
    new = write_jsonl(tmp_path / "new.jsonl", [{**make_record(0), "title": f"Budget {evil}"}])
    ingest([str(new)], settings, embedder=embedder)
    titles = {meta["article_id"]: meta["title"] for _, _, meta in store.all_chunks()}
    assert titles[make_record(0)["id"]] == "Budget ]0;owned[2J[31mRed\u202eevil1m"  # no controls

    result = CliRunner().invoke(main, ["search", "budget", "--index", str(settings.index),
                                       "--embedding-model", "fake"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Budget ]0;owned[2J[31mRedevil1m" in result.output
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", result.output)
    assert terminal_safe("a\tb\nc\r\x1b[0m") == "a\tb\nc[0m"


def test_8_quiet_surprises_become_lines(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    good = make_record(0)
    records = [good, {**make_record(1), "published": "9999-12-31"},
               {**make_record(2), "title": "T" * 5_000_000},
               {**good, "title": "Again"}]  # fmt: skip
    write_jsonl(folder / "news.jsonl", records)
    (folder / "empty.jsonl").write_text("\n\n")
    (folder / "empty.xml").write_text('<?xml version="1.0"?><rss version="2.0"><channel>'
                                      "<title>Nothing</title></channel></rss>")  # fmt: skip
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.txt").write_text("The neighbour's diary: not for the index at all.\n")
    (folder / "link.txt").symlink_to(outside / "private.txt")
    (folder / "linked-dir").symlink_to(outside)
    index = tmp_path / "ix"
    run = newsrag("ingest", str(folder), "--index", str(index))
    run.assert_clean()
    assert run.returncode == 1  # the 5 MB title
    assert run.errors == [
        f"error: {folder / 'news.jsonl'}:3: field 'title' is 5,000,000 characters, over the "
        "1,000 a title may have"
    ]
    assert run.warnings == [
        f"warning: {folder / 'empty.jsonl'}: no articles in it: nothing to ingest",
        f"warning: {folder / 'empty.xml'}: no articles in it: nothing to ingest",
        f"warning: {folder / 'link.txt'}: a symlink to {outside / 'private.txt'}, outside "
        f"{folder}: not followed (pass --follow-links to read it)",
        f"warning: {folder / 'linked-dir'}: a symlink to {outside}, outside {folder}: not "
        "followed (pass --follow-links to read it)",
        f"warning: {folder / 'news.jsonl'}:2: published 9999-12-31 is more than a day in the "
        "future: stored with that date, so as-of questions will not see it",
        f"warning: {folder / 'news.jsonl'}:4: same url '{good['url']}' as line 1: the later one "
        "is kept",
    ]
    assert run.stdout.startswith("2 added, 0 updated, 0 unchanged, 1 failed")
    assert set(stored(index)) == {make_record(0)["id"], make_record(1)["id"]}

    followed = newsrag("ingest", str(folder), "--follow-links", "--index", str(index))
    assert not any("symlink" in w for w in followed.warnings), followed.stderr
    assert followed.stdout.startswith("2 added, 0 updated, 2 unchanged, 1 failed")


def test_8_login_throttle_makes_each_failure_wait_longer():
    """The middleware on its own, with a clock of our own: no sleeping, no timing luck."""
    from ui.login import LoginThrottle

    now = [1000.0]
    checked: list[str] = []

    async def gradio_login(scope: Any, receive: Any, send: Any) -> None:
        body = (await receive())["body"].decode()
        checked.append(body)
        status = 200 if body == "right" else 400
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    throttle = LoginThrottle(gradio_login, clock=lambda: now[0])

    def attempt(password: str, client: str = "10.0.0.1") -> tuple[int, dict[str, str]]:
        sent: list[Any] = []

        async def receive() -> Any:
            return {"type": "http.request", "body": password.encode(), "more_body": False}

        async def send(message: Any) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/login", "client": (client, 5000)}
        asyncio.run(throttle(scope, receive, send))
        headers = {k.decode(): v.decode() for k, v in sent[0].get("headers", [])}
        return sent[0]["status"], headers

    assert attempt("wrong")[0] == 400
    status, headers = attempt("right")
    assert (status, headers["retry-after"]) == (429, "1")  # not even checked
    assert attempt("wrong", client="10.0.0.2")[0] == 400  # another address is not slowed
    now[0] += 1.0
    assert attempt("wrong")[0] == 400
    status, headers = attempt("wrong")
    assert (status, headers["retry-after"]) == (429, "2")
    waits = []
    for _ in range(10):
        now[0] += throttle.delay(throttle.tries["10.0.0.1"].failures)
        assert attempt("wrong")[0] == 400
        waits.append(throttle.delay(throttle.tries["10.0.0.1"].failures))
    assert waits == [4, 8, 16, 32, 60, 60, 60, 60, 60, 60]
    now[0] += 60
    assert attempt("right")[0] == 200
    assert "10.0.0.1" not in throttle.tries  # a success clears the record
    assert checked.count("right") == 1


# == the chat: login throttle and add-news, over HTTP, against `newsrag serve` ====================


@pytest.fixture(scope="module")
def chat_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`newsrag serve` with a login, the fake LLM and embedder, default fetch rules except that
    127.0.0.2 (the 'outside' server) may be fetched; plus an internal server on 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("hostile-serve")
    env = newsrag_env(NEWSRAG_EMBEDDING_MODEL="fake", NEWSRAG_LLM="fake", NEWSRAG_AUTH="ana:s3cret",
                      NEWSRAG_ALLOW_PRIVATE_URLS="127.0.0.2")  # fmt: skip
    subprocess.run([sys.executable, "-m", "newsrag", "ingest", str(ROOT / "corpus"), "--index",
                    str(tmp / "ix")], env=env, check=True, cwd=ROOT, capture_output=True,
                   timeout=300)  # fmt: skip
    servers: list[http.server.ThreadingHTTPServer] = []
    state: dict[str, Any] = {}
    for host, routes in [("127.0.0.1", {"/secret": secret_route}), ("127.0.0.2", {})]:
        httpd, state[host] = start_server(host, routes)
        servers.append(httpd)
    state["127.0.0.2"].routes["/r"] = redirect_to(f"{state['127.0.0.1'].base}/secret")
    serving = start_serve(tmp / "ix", tmp / "serve.log", env)
    try:
        url, _ = next(serving)
        state["url"] = url
        yield state
    finally:
        serving.close()
        for httpd in servers:
            httpd.shutdown()
            httpd.server_close()


def _login(client: Any, url: str, password: str) -> int:
    return int(
        client.post(f"{url}login", data={"username": "ana", "password": password}).status_code
    )


@pytest.mark.slow
def test_8_the_chat_login_is_throttled(chat_server: dict[str, Any]):
    import httpx

    url = chat_server["url"]
    with httpx.Client(timeout=30) as client:
        statuses = [_login(client, url, "guess") for _ in range(10)]
        assert statuses[0] == 400
        assert statuses.count(429) >= 7, statuses  # 1 s, then 2 s, 4 s...: few are checked
        assert _login(client, url, "s3cret") == 429  # the right password waits its turn too
        deadline = time.monotonic() + 90
        while (status := _login(client, url, "s3cret")) != 200:
            assert status == 429 and time.monotonic() < deadline
            time.sleep(0.5)
        assert _login(client, url, "guess") == 400  # the success cleared the record


@pytest.mark.slow
def test_1_the_chat_add_news_box_refuses_a_redirect_to_loopback(chat_server: dict[str, Any]):
    """The add-news box's own request (the one the browser sends to Gradio's queue, for an
    event hidden from the API page), with a URL that redirects to 127.0.0.1 and one there."""
    import uuid

    import httpx

    url = chat_server["url"]
    outside, inside = chat_server["127.0.0.2"], chat_server["127.0.0.1"]
    with httpx.Client(timeout=60) as client:
        deadline = time.monotonic() + 90  # the throttle test may have left a wait behind
        while _login(client, url, "s3cret") != 200:
            assert time.monotonic() < deadline
            time.sleep(0.5)
        config = client.get(f"{url}config").json()
        [add] = [
            c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "nr-add"
        ]
        [dep] = [d for d in config["dependencies"] if [add, "click"] in d["targets"]]
        session = uuid.uuid4().hex[:12]
        pasted = f"{outside.base}/r\n{inside.base}/secret"
        joined = client.post(f"{url}gradio_api/queue/join", json={
            "data": [None, pasted], "fn_index": dep["id"], "trigger_id": add,
            "session_hash": session, "event_data": None,
        })  # fmt: skip
        assert joined.status_code == 200, joined.text
        result = None
        with client.stream("GET", f"{url}gradio_api/queue/data",
                           params={"session_hash": session}) as events:  # fmt: skip
            for line in events.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        assert message.get("success"), message
                        result = message["output"]["data"][0]
                        break
    assert result is not None
    import html

    text = html.unescape(result)
    refused = f"refused: redirected to {inside.base}/secret: 127.0.0.1 is a loopback address"
    assert f"{outside.base}/r: {refused}" in text, text
    assert f"{inside.base}/secret: refused: 127.0.0.1 is a loopback address" in text, text
    assert "Added 0 articles" in text
    assert inside.hits == {}
