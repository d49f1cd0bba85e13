"""Credentials in a discovered link are never sent nor kept: the public URL is archived.

A real ``newsarchive crawl`` of a loopback site whose section page links to
``http://user:pass@host/article``, to its next page by such a URL and to a
page that redirects to another such URL; then everything the archive holds
or says is searched for the secret: the catalog's rows, the object store's
keys, the WARC export, the command's report and its most verbose log.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import RunCli
from loopback import Reply, Site, html
from sqlalchemy import create_engine, inspect, text

SECRET = "reader:s3cret"
STORY = "The council met on Tuesday to agree the budget for the harbour. " * 12


@pytest.fixture
def site() -> Iterator[Site]:
    with Site(host="127.61.0.1") as running:
        running.page("/robots.txt", "User-agent: *\n", "text/plain")
        yield running


def catalog_text(database: Path) -> str:
    """Every value of every row of every table of the catalog, as text."""
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        rows = [
            repr(tuple(row))
            for table in tables
            for row in connection.execute(text(f'SELECT * FROM "{table}"'))
        ]
    engine.dispose()
    assert rows, "the catalog is empty"
    return "\n".join(rows)


def test_a_link_with_credentials_is_archived_under_its_public_url(
    run_cli: RunCli, site: Site, tmp_path: Path
) -> None:
    secret_base = site.origin.replace("http://", f"http://{SECRET}@")
    site.page(
        "/news/",
        html(
            "News",
            head="",
            body=f'<a href="{secret_base}/a/1.html">One</a> <a href="/a/2.html">Two</a>'
            f' <a href="{secret_base}/news/?page=2">Next</a>',
        ),
    )
    site.page("/news/?page=2", html("News, page 2", body='<a href="/a/4.html">Four</a>'))
    site.page("/a/1.html", html("Harbour budget agreed", STORY))
    site.route("/a/2.html", lambda _s: Reply(302, b"", [("Location", f"{secret_base}/a/3.html")]))
    site.page("/a/3.html", html("Council moves the harbour", STORY))
    site.page("/a/4.html", html("Harbour master retires", STORY))
    outlets = tmp_path / "outlets.toml"
    outlets.write_text(
        "[[outlet]]\n"
        'name = "harbour"\nkind = "listing"\n'
        f'start_urls = ["{site.url("/news/")}"]\n'
        'allowed_domains = ["127.61.0.1"]\n'
        "article_pattern = '/a/\\d+\\.html$'\n"
        "download_delay = 0\n",
        encoding="utf-8",
    )

    crawled = run_cli("-vv", "crawl", "--outlets-file", str(outlets), timeout=240)
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    listed = run_cli("list", "--json")
    exported = run_cli("export", str(tmp_path / "all.warc.gz"))
    assert exported.returncode == 0, exported.stderr

    # the public URLs were fetched, without an Authorization header made of the secret
    for path in ("/news/?page=2", "/a/1.html", "/a/2.html", "/a/3.html", "/a/4.html"):
        (hit,) = site.hits(path)
        assert hit.header("Authorization") is None, path
    for path in ("/a/1.html", "/a/3.html", "/a/4.html"):
        assert f'"{site.url(path)}"' in listed.stdout, path
    home = tmp_path / "archive"
    keys = [str(path.relative_to(home)) for path in (home / "objects").rglob("*")]
    export = gzip.decompress((tmp_path / "all.warc.gz").read_bytes()).decode("latin-1")
    cdxj = next(tmp_path.glob("all*.cdxj")).read_text(encoding="utf-8")
    said = crawled.stdout + crawled.stderr + listed.stdout + exported.stdout + exported.stderr
    assert "Crawled (200)" in said  # the most verbose log was really read
    for where, content in {
        "catalog": catalog_text(home / "catalog.db"),
        "object keys": "\n".join(keys),
        "export": export + cdxj,
        "report and log": said,
    }.items():
        assert SECRET not in content, where
        assert "s3cret" not in content, where
