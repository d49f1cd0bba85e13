"""docker-compose.yml: the right images, and an environment newsarchive actually accepts.

Compose files fail late, on a host with Docker, when someone finally runs
them; these checks catch the drift that bites first: a setting renamed in
code but not here, a service renamed on one side of a URL, a Prefect image
that no longer matches the installed client.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import DEPLOY, compose_with, example_env, interpolate

from newsarchive.config import load_settings

NEWSARCHIVE_SERVICES = ("worker", "deployer")


def image_name(service: dict[str, Any]) -> str:
    """The repository part of a service's image (``minio/minio:latest`` -> ``minio/minio``)."""
    return str(service["image"]).rsplit(":", 1)[0]


def service_env(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as strings, in either of Compose's two spellings."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def command_line(value: Any) -> list[str]:
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]


def test_images_are_the_stack_s_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert image_name(services["postgres"]) == "postgres"
    assert image_name(services["minio"]) == "minio/minio"
    assert image_name(services["minio-init"]) == "minio/mc"
    assert image_name(services["prefect-server"]) == "prefecthq/prefect"


def test_worker_is_a_process_worker_on_the_newsarchive_pool(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    args = command_line(worker.get("entrypoint", [])) + command_line(worker.get("command", []))
    assert args[:3] == ["prefect", "worker", "start"]
    options = dict(zip(args[3::2], args[4::2], strict=False))
    assert options.get("--pool") == "newsarchive"
    assert options.get("--type") == "process"


@pytest.mark.parametrize("name", NEWSARCHIVE_SERVICES)
def test_service_environment_is_accepted_by_load_settings(
    compose: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = service_env(compose["services"][name])
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    assert settings.database_url == env["NEWSARCHIVE_DATABASE_URL"]
    assert settings.store_url == env["NEWSARCHIVE_STORE_URL"]


@pytest.mark.parametrize("name", NEWSARCHIVE_SERVICES)
def test_service_urls_point_at_the_compose_services(compose: dict[str, Any], name: str) -> None:
    services = compose["services"]
    env = service_env(services[name])
    database = urlsplit(env["NEWSARCHIVE_DATABASE_URL"])
    assert database.scheme == "postgresql+psycopg"
    assert database.hostname == "postgres"
    assert database.path.lstrip("/") == service_env(services["postgres"])["POSTGRES_DB"]
    assert database.username == service_env(services["postgres"])["POSTGRES_USER"]
    assert database.password == service_env(services["postgres"])["POSTGRES_PASSWORD"]

    assert urlsplit(env["NEWSARCHIVE_STORE_URL"]).scheme == "s3"
    assert urlsplit(env["AWS_ENDPOINT_URL"]).hostname == "minio"
    assert urlsplit(env["PREFECT_API_URL"]).hostname == "prefect-server"
    assert urlsplit(env["PREFECT_API_URL"]).path == "/api"


def test_workers_reach_s3_as_a_user_scoped_to_the_bucket(compose: dict[str, Any]) -> None:
    services = compose["services"]
    minio, init = service_env(services["minio"]), service_env(services["minio-init"])
    env = service_env(services["worker"])
    assert env["AWS_ACCESS_KEY_ID"] == init["ARCHIVE_S3_KEY"] != minio["MINIO_ROOT_USER"]
    assert env["AWS_SECRET_ACCESS_KEY"] == init["ARCHIVE_S3_SECRET"]
    bucket = urlsplit(env["NEWSARCHIVE_STORE_URL"]).netloc
    init_script = " ".join(command_line(services["minio-init"]["command"]))
    assert f"local/{bucket}" in init_script, "minio-init does not create the store's bucket"
    resources = set(re.findall(r'"(arn:aws:s3:::[^"]*)"', init_script))
    assert resources == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"}
    assert 'mc admin policy attach local newsarchive-archive --user "$ARCHIVE_S3_KEY"' in (
        init_script
    )


def test_the_prefect_api_asks_every_client_for_its_auth(compose: dict[str, Any]) -> None:
    services = compose["services"]
    auth = service_env(services["prefect-server"])["PREFECT_SERVER_API_AUTH_STRING"]
    assert auth
    for name in NEWSARCHIVE_SERVICES:
        assert service_env(services[name])["PREFECT_API_AUTH_STRING"] == auth


SECRETS = re.compile(r"PASSWORD|SECRET|AUTH_STRING|ACCESS_KEY")


def test_no_secret_is_written_in_deploy(raw_compose: dict[str, Any]) -> None:
    for name, service in raw_compose["services"].items():
        for key, value in service_env(service).items():
            if SECRETS.search(key):
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", value), f"{name}: {key} is written"
        for key, value in service_env(service).items():
            for password in re.findall(r"://[^:/@\s]+:([^@\s]+)@", value):
                assert password.startswith("${"), f"{name}: {key} holds a password"
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"(?i)(password|secret)[ \t]*[:=][ \t]*[\w-]{6,}", text), path


def test_compose_refuses_to_start_without_the_secrets() -> None:
    for missing in example_env():
        env = {k: v for k, v in example_env().items() if k != missing}
        with pytest.raises(KeyError, match=missing):
            compose_with(env)


def test_published_ports_listen_on_loopback_unless_told(raw_compose: dict[str, Any]) -> None:
    published = [
        (name, port) for name, s in raw_compose["services"].items() for port in s.get("ports", [])
    ]
    assert published
    for name, port in published:
        assert str(port).startswith("${PUBLISH_ADDRESS:-127.0.0.1}:"), (name, port)
    for name, port in published:
        assert interpolate(str(port), {}).startswith("127.0.0.1:"), name


def test_prefect_server_database_is_created_by_initdb(compose: dict[str, Any]) -> None:
    services = compose["services"]
    server_env = service_env(services["prefect-server"])
    server_db = urlsplit(server_env["PREFECT_API_DATABASE_CONNECTION_URL"])
    assert server_db.hostname == "postgres"
    initdb = Path(__file__).resolve().parents[2] / "deploy" / "initdb"
    created = " ".join(p.read_text(encoding="utf-8") for p in initdb.glob("*.sql"))
    assert f"CREATE DATABASE {server_db.path.lstrip('/')} " in created


_MC = """#!/bin/sh
# Stands in for MinIO's client: logs its arguments, fails the step named in $MC_FAILS,
# and reports the archive policy as attached when $MC_ATTACHED is set.
echo "$*" >> "$MC_LOG"
case " $* " in *" $MC_FAILS "*) echo "mc: $MC_FAILS failed" >&2; exit 1 ;; esac
case "$*" in
    "admin user info"*) [ -n "$MC_ATTACHED" ] && echo "PolicyName: newsarchive-archive" ;;
esac
exit 0
"""


@pytest.mark.parametrize(
    ("fails", "attached", "status"),
    [
        ("", "", 0),  # a first start: every step succeeds
        ("attach", "yes", 0),  # a restart: the policy is attached already
        ("attach", "", 1),  # attaching failed and the user has no policy
        ("mb", "", 1),  # the bucket could not be made
        ("add", "", 1),  # the workers' user could not be made
    ],
)
def test_minio_init_fails_when_a_step_of_its_set_up_fails(
    compose: dict[str, Any], tmp_path: Path, fails: str, attached: str, status: int
) -> None:
    """The set-up's exit status is what Compose's dependants wait on: a failed step shows."""
    import os
    import subprocess

    service = compose["services"]["minio-init"]
    assert command_line(service["entrypoint"]) == ["/bin/sh", "-c"]
    (script,) = service["command"]  # one folded YAML string, as sh -c takes it
    mc = tmp_path / "mc"
    mc.write_text(_MC)
    mc.chmod(0o755)
    env = {
        **service_env(service),
        "PATH": f"{tmp_path}:{os.environ['PATH']}",
        "MC_LOG": str(tmp_path / "mc.log"),
        "MC_FAILS": fails,
        "MC_ATTACHED": attached,
    }
    done = subprocess.run(["/bin/sh", "-c", script], env=env, capture_output=True, timeout=30)
    assert done.returncode == status, done.stderr
    assert (tmp_path / "mc.log").read_text().startswith("alias set local http://minio:9000")
