"""The configuration contract: defaults, derived values and one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error

from newsarchive.config import load_settings
from newsarchive.errors import ConfigError


def test_embedded_defaults_live_under_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEWSARCHIVE_HOME", str(tmp_path / "home"))
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'home' / 'catalog.db'}"
    assert settings.store_url == f"file://{tmp_path / 'home' / 'objects'}"
    assert settings.max_response_size == 10 * 1024 * 1024


def test_default_home_is_archive_in_working_directory(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///archive/catalog.db"
    assert settings.store_url == f"file://{tmp_path / 'archive' / 'objects'}"


def test_dotenv_file_adds_settings(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("NEWSARCHIVE_STORE_URL=s3://bucket/news\n")
    assert load_settings().store_url == "s3://bucket/news"


def test_explicit_urls_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_DATABASE_URL", "postgresql+psycopg://u@db/news")
    monkeypatch.setenv("NEWSARCHIVE_STORE_URL", "s3://bucket/prefix")
    settings = load_settings()
    assert (settings.database_url, settings.store_url) == (
        "postgresql+psycopg://u@db/news",
        "s3://bucket/prefix",
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("NEWSARCHIVE_STORE_URL", "ftp://host/x", "file://PATH or s3://BUCKET"),
        ("NEWSARCHIVE_STORE_URL", "s3://", "file://PATH or s3://BUCKET"),
        ("NEWSARCHIVE_DATABASE_URL", "mysql://root@localhost/db", "sqlite:// or postgresql://"),
        ("NEWSARCHIVE_MAX_RESPONSE_SIZE", "ten", "valid integer"),
        ("NEWSARCHIVE_MAX_RESPONSE_SIZE", "0", "greater than 0"),
        ("NEWSARCHIVE_OUTLETS", "/nonexistent/outlets.toml", "no such file"),
        ("NEWSARCHIVE_CRAWL_MODE", "threads", "inprocess"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value).startswith(f"{variable}: ")
    assert message in str(error.value)
    assert error.value.exit_code == 2


def test_cli_reports_bad_configuration_in_one_line(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("list", env={"NEWSARCHIVE_STORE_URL": "ftp://nowhere"})
    assert_one_line_error(result, 2, "NEWSARCHIVE_STORE_URL", "file://PATH")


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"NEWSARCHIVE_HOME": "/dev/null"}, "/dev/null"),
        ({"NEWSARCHIVE_DATABASE_URL": "postgresql://u@[::1/news"}, "not a SQLAlchemy URL"),
    ],
)
def test_an_archive_that_cannot_be_opened_stops_a_crawl_in_one_line(  # type: ignore[no-untyped-def]
    run_cli, env: dict[str, str], needle: str
) -> None:
    assert_one_line_error(run_cli("crawl", "--replay", env=env), 2, needle)


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (("crawl", "--replay", "--day", "3"), {}, "--day: the replica has days 1, 2"),
        (("crawl",), {"NEWSARCHIVE_REPLAY": "3"}, "replay day must be one of 1, 2, not 3"),
        (("crawl",), {"NEWSARCHIVE_REPLAY": "0"}, "NEWSARCHIVE_REPLAY: "),
    ],
)
def test_a_replica_day_it_does_not_have_is_refused_before_a_crawl_starts(  # type: ignore[no-untyped-def]
    run_cli, tmp_path: Path, args: tuple[str, ...], env: dict[str, str], needle: str
) -> None:
    assert_one_line_error(run_cli(*args, env=env), 2, needle)
    assert not (tmp_path / "archive").exists()


def test_a_bug_is_one_line_unless_the_user_asks_for_more(tmp_path: Path) -> None:
    """An exception that is no NewsarchiveError still reaches the user as one line (exit 70)."""
    program = (
        "import sys; from newsarchive import cli\n"
        "@cli.app.command('boom')\n"
        "def boom() -> None:\n"
        "    raise RuntimeError('the archive index went missing\\nsecond line')\n"
        "sys.argv[0] = 'newsarchive'; cli.main()\n"
    )
    quiet = _python(program, "boom")
    assert_one_line_error(quiet, 70, "internal error: RuntimeError: the archive index went missing")
    verbose = _python(program, "-v", "boom")
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr


def test_the_command_leaves_its_garbage_to_the_os_at_exit() -> None:
    """The interpreter's last collection is skipped: a cycle left at exit is never collected.

    A crawl's process spent about 0.9 s in that collection after its work was done.  The
    collector is switched off first so that only the collection at exit could reach the cycle.
    """
    program = (
        "import gc, sys; from newsarchive import cli\n"
        "gc.disable()\n"
        "class Cycle:\n"
        "    def __del__(self) -> None: print('collected at exit')\n"
        "@cli.app.command('leave')\n"
        "def leave() -> None:\n"
        "    cycle = Cycle(); cycle.me = cycle\n"
        "    print('done')\n"
        "sys.argv[0] = 'newsarchive'; cli.main()\n"
    )
    ran = _python(program, "leave")
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "done\n", "")


def _python(program: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``program`` in a fresh interpreter, ``args`` as its command line."""
    return subprocess.run(
        [sys.executable, "-c", program, *args], capture_output=True, text=True, check=False
    )
