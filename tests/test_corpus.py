from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

from rag.corpus import LoadError, LoadOptions, load
from rag.fetch import FetchPolicy
from rag.types import Article
from tests.conftest import make_record

PAGE = """<!doctype html><html><head><title>{title} | Daily Planet</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="Daily Planet">
<meta property="article:published_time" content="2023-11-02T08:00:00Z">
<link rel="canonical" href="{url}"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>{title}</h1>
<p>{body}</p>
<p>The council will publish its full report on the {topic} next month, officials said on
Thursday, adding that residents would be able to comment on the findings for six weeks.</p>
<p>Opposition members said the review of the {topic} had taken too long and called for an
independent inquiry into how the original decisions were made.</p>
</article><footer>Copyright Daily Planet. All rights reserved.</footer></body></html>"""


def page(title: str, body: str, url: str, topic: str = "bridge") -> str:
    return PAGE.format(title=title, body=body, url=url, topic=topic)


# The test server listens on 127.0.0.1, which the default fetch policy refuses.
LOCAL = LoadOptions(policy=FetchPolicy(timeout=5, allow_private=True))


def split(items):
    articles = [i for i in items if isinstance(i, Article)]
    errors = [i for i in items if isinstance(i, LoadError)]
    return articles, errors


def test_text_file_with_front_matter(tmp_path: Path):
    f = tmp_path / "a.md"
    f.write_text(
        "---\ntitle: Bridge reopens\nurl: https://example.com/bridge\noutlet: Example News\n"
        "published: 2024-03-05\nauthors: [Ann Lee, Bo Chen]\n---\nThe bridge reopened today.\n"
    )
    [a] = list(load([str(f)]))
    assert a == Article(
        title="Bridge reopens",
        text="The bridge reopened today.",
        url="https://example.com/bridge",
        source="Example News",
        published="2024-03-05",
        authors=("Ann Lee", "Bo Chen"),
        origin=str(f),
    )
    assert a.id == hashlib.sha1(b"https://example.com/bridge").hexdigest()[:16]


def test_markdown_heading_becomes_the_title_and_id_comes_from_content(tmp_path: Path):
    f = tmp_path / "b.md"
    f.write_text("# Storm hits coast\n\nWinds of 100 km/h were recorded.\n")
    [a] = list(load([str(f)]))
    assert (a.title, a.text, a.url, a.source, a.published) == (
        "Storm hits coast",
        "Winds of 100 km/h were recorded.",
        None,
        None,
        None,
    )
    assert not a.id_from_url and len(a.id) == 16
    f.write_text("# Storm hits coast\n\nWinds of 120 km/h were recorded.\n")
    [b] = list(load([str(f)]))
    assert b.id != a.id


def test_bad_front_matter_and_empty_text_name_the_file_and_field(tmp_path: Path):
    (tmp_path / "date.md").write_text("---\ntitle: X\npublished: last tuesday\n---\nBody.\n")
    (tmp_path / "yaml.md").write_text("---\ntitle: [unclosed\n---\nBody.\n")
    (tmp_path / "empty.txt").write_text("---\ntitle: Nothing\n---\n\n   \n")
    (tmp_path / "good.txt").write_text("Fine text.\n")
    articles, errors = split(list(load([str(tmp_path)])))
    assert [a.title for a in articles] == ["good"]
    msgs = sorted(str(e) for e in errors)
    assert msgs == sorted(
        [
            f"{tmp_path / 'date.md'}: field 'published': 'last tuesday' is not a date"
            " (use YYYY-MM-DD)",
            f"{tmp_path / 'yaml.md'}: front matter line 2: invalid YAML",
            f"{tmp_path / 'empty.txt'}: empty article text",
        ]
    )


def test_jsonl_malformed_line_is_reported_and_the_rest_loaded(tmp_path: Path):
    recs = [make_record(i) for i in range(4)]
    lines = [json.dumps(r) for r in recs]
    lines.insert(2, '{"title": "broken", "text": ')
    lines.insert(4, json.dumps({"title": "no text", "url": "https://x.org/a", "text": "  "}))
    f = tmp_path / "news.jsonl"
    f.write_text("\n".join(lines) + "\n")
    articles, errors = split(list(load([str(f)])))
    assert [a.url for a in articles] == [r["url"] for r in recs]
    assert [str(e) for e in errors] == [
        f"{f}:3: malformed JSON at column 29: Expecting value",
        f"{f}:5: field 'text' is missing or empty",
    ]
    a = articles[0]
    assert (a.title, a.published, a.source, a.authors) == (
        recs[0]["title"],
        recs[0]["published"],
        "example.com",
        ("Reporter 0",),
    )


def test_json_list_and_gzip(tmp_path: Path):
    recs = [make_record(i) for i in range(3)]
    (tmp_path / "list.json").write_text(json.dumps(recs[:2]))
    (tmp_path / "more.jsonl.gz").write_bytes(gzip.compress(json.dumps(recs[2]).encode() + b"\n"))
    (tmp_path / "README.md").write_text("# Not an article\n\nDescribes the folder.\n")
    (tmp_path / "notes.csv").write_text("ignored,in,a,walk\n")
    articles, errors = split(list(load([str(tmp_path)])))
    assert not errors
    assert sorted(a.url for a in articles) == sorted(r["url"] for r in recs)


def test_ids_match_the_realtimeqa_scheme(shared: Path):
    with open(shared / "data/realtimeqa-2023q4/articles.jsonl") as fh:
        first = [json.loads(next(fh)) for _ in range(20)]
    f = shared / "data/realtimeqa-2023q4/articles.jsonl"
    loaded = []
    for item in load([str(f)]):
        loaded.append(item)
        if len(loaded) == 20:
            break
    assert [a.id for a in loaded] == [r["id"] for r in first]


def test_html_file_extraction_and_metadata(tmp_path: Path):
    body = "The city's main bridge reopened on Thursday after two years of repairs. " * 3
    html = page("Bridge reopens after repairs", body, "https://planet.example/bridge")
    (tmp_path / "p.html.gz").write_bytes(gzip.compress(html.encode()))
    [a] = list(load([str(tmp_path / "p.html.gz")]))
    assert a.title == "Bridge reopens after repairs"
    assert a.url == "https://planet.example/bridge"
    assert a.source == "Daily Planet"
    assert a.published == "2023-11-02"
    assert "reopened on Thursday" in a.text and "independent inquiry" in a.text
    assert "All rights reserved" not in a.text and "Sport" not in a.text


def test_unreadable_html_is_an_error(tmp_path: Path):
    (tmp_path / "nav.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    (tmp_path / "bin.htm").write_bytes(b"\xff\xfe\x00\x01garbage")
    _, errors = split(list(load([str(tmp_path)])))
    assert sorted(str(e) for e in errors) == [
        f"{tmp_path / 'bin.htm'}: no article text found in the page",
        f"{tmp_path / 'nav.html'}: no article text found in the page",
    ]


FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Daily Planet</title><link>{base}/</link>
<description>News</description>
{items}
</channel></rss>"""
ITEM = """<item><title>{title}</title><link>{link}</link>
<pubDate>Wed, 0{day} Nov 2023 10:00:00 GMT</pubDate><description>Teaser</description></item>"""


def _site(base: str, root: Path, n: int) -> list[str]:
    items = []
    for i in range(n):
        url = f"{base}/story{i}.html"
        body = f"Story {i}: the council approved plan number {i} for the harbour. " * 3
        (root / f"story{i}.html").write_text(page(f"Harbour plan {i}", body, url, topic="harbour"))
        items.append(ITEM.format(title=f"Harbour plan {i} approved", link=url, day=i + 1))
    items.append(ITEM.format(title="Gone", link=f"{base}/missing.html", day=9))
    (root / "feed.xml").write_text(FEED.format(base=base, items="\n".join(items)))
    return items


def test_feed_url_follows_each_entry_to_its_page(web):
    base, root = web
    _site(base, root, 3)
    articles, errors = split(list(load([f"{base}/feed.xml"], options=LOCAL)))
    assert [a.title for a in articles] == [f"Harbour plan {i} approved" for i in range(3)]
    assert [a.url for a in articles] == [f"{base}/story{i}.html" for i in range(3)]
    assert [a.published for a in articles] == ["2023-11-01", "2023-11-02", "2023-11-03"]
    assert all(a.source == "Daily Planet" for a in articles)
    assert "approved plan number 1 for the harbour" in articles[1].text
    assert [str(e) for e in errors] == [
        f"{base}/feed.xml#entry4 ({base}/missing.html): article page: HTTP 404 File not found"
    ]


def test_feed_file_on_disk(web, tmp_path: Path):
    base, root = web
    _site(base, root, 2)
    local = tmp_path / "saved.rss"
    local.write_bytes((root / "feed.xml").read_bytes())
    articles, errors = split(list(load([str(local)], options=LOCAL)))
    assert len(articles) == 2 and len(errors) == 1
    assert all(a.origin == str(local) for a in articles)


def test_article_url_and_dead_url(web):
    base, root = web
    body = "Wind farms produced a record share of the country's power in October. " * 3
    (root / "wind.html").write_text(page("Record wind power", body, f"{base}/wind.html"))
    articles, errors = split(list(load([f"{base}/wind.html", f"{base}/nope.html"], options=LOCAL)))
    [a] = articles
    assert (a.title, a.url, a.source) == ("Record wind power", f"{base}/wind.html", "Daily Planet")
    assert [str(e) for e in errors] == [f"{base}/nope.html: HTTP 404 File not found"]


def test_unreachable_url_and_missing_path(tmp_path: Path):
    _, errors = split(
        list(load(["http://127.0.0.1:9/x", str(tmp_path / "nope.jsonl")], options=LOCAL))
    )
    assert errors[0].where == "http://127.0.0.1:9/x" and "cannot fetch" in errors[0].message
    assert str(errors[1]) == f"{tmp_path / 'nope.jsonl'}: no such file or directory"


def test_feed_entry_with_a_dead_link_falls_back_to_its_full_content(web):
    base, root = web
    content = "<p>" + "The ferry service to the islands resumes on Monday after the strike. " * 4
    item = (
        f"<item><title>Ferries resume</title><link>{base}/gone.html</link>"
        "<pubDate>Fri, 03 Nov 2023 09:00:00 GMT</pubDate>"
        f"<content:encoded><![CDATA[{content}</p>]]></content:encoded></item>"
    )
    feed = FEED.format(base=base, items=item).replace(
        '<rss version="2.0">',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
    )
    (root / "feed.xml").write_text(feed)
    [a] = list(load([f"{base}/feed.xml"], options=LOCAL))
    assert isinstance(a, Article)
    assert (a.title, a.url, a.published) == ("Ferries resume", f"{base}/gone.html", "2023-11-03")
    assert a.text.startswith("The ferry service to the islands resumes on Monday")
