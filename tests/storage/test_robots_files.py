"""robots.txt files kept with the polls: read back as served, the newer copy of an origin
staying whatever order they were written in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsarchive.records import RobotsFile
from newsarchive.storage import Archive, Polled

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
HOST = "https://news.example"


def _copy(
    location: str, age: timedelta, body: bytes = b"User-agent: *\n", status: int = 200
) -> RobotsFile:
    return RobotsFile(location, status, body, NOW - age)


def test_copies_come_back_as_served_and_only_while_fresh(archive: Archive) -> None:
    served = _copy(HOST, timedelta(hours=1), b"User-agent: *\nDisallow: /\xe9t\xe9/\n\x00")
    missing = _copy("http://other.example:8080", timedelta(hours=2), b"<html>gone</html>", 404)
    old = _copy("https://old.example", timedelta(hours=30))
    archive.save_polls([], Polled(robots=[served, missing, old]))

    wanted = [HOST, "http://other.example:8080", "https://old.example", "https://none.example"]
    kept = archive.robots_files(wanted, NOW - timedelta(hours=24))

    assert kept == {HOST: served, "http://other.example:8080": missing}
    assert kept[HOST].fetched_at.tzinfo is not None


def test_the_newer_copy_of_an_origin_stays(archive: Archive) -> None:
    older, newer = _copy(HOST, timedelta(hours=2), b"old"), _copy(HOST, timedelta(hours=1), b"new")
    archive.save_polls([], Polled(robots=[newer, older]))  # two outlets' crawls, say
    assert archive.robots_files([HOST], NOW - timedelta(days=1)) == {HOST: newer}

    archive.save_polls([], Polled(robots=[older]))  # a slower worker's copy, written last
    assert archive.robots_files([HOST], NOW - timedelta(days=1)) == {HOST: newer}

    newest = _copy(HOST, timedelta(0), b"newest", 410)
    archive.save_polls([], Polled(robots=[newest]))
    assert archive.robots_files([HOST], NOW - timedelta(days=1)) == {HOST: newest}


def test_many_origins_are_read_in_bounded_queries(archive: Archive) -> None:
    copies = [_copy(f"https://h{n}.example", timedelta(minutes=n)) for n in range(1200)]
    archive.save_polls([], Polled(robots=copies))
    kept = archive.robots_files([c.location for c in copies], NOW - timedelta(days=1))
    assert kept == {c.location: c for c in copies}
