"""Production settings: ``check --deploy`` is clean, and gunicorn logs no query strings.

The test process runs development settings; production is checked in a subprocess with a
production environment (DJANGO_ENV=production), as a deployment would start it.
"""

from __future__ import annotations

import base64
import os
import runpy
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

ROOT = Path(__file__).resolve().parents[1]


def check_deploy(**env) -> subprocess.CompletedProcess:
    # As a deployment starts it: none of the test run's Django switches (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE, which the check rightly refuses in production).
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            (
                "DJANGO_",
                "SECURE_",
                "SESSION_",
                "CSRF_",
                "DEBUG",
                "SECRET_KEY",
                "PERSON_MATCH_KEY",
                "ANTICORRUPTION_KEY",
            )
        )
    }
    environ.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        PERSON_MATCH_KEY=secrets.token_urlsafe(50),
        ANTICORRUPTION_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        ALLOWED_HOSTS="damrong.example.go.th",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
    )
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_gives_no_warning_with_production_settings():
    result = check_deploy()
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "env, warning",
    [
        ({"SECRET_KEY": "short-and-guessable"}, "security.W009"),
        ({"SECURE_SSL_REDIRECT": "0"}, "security.W008"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SESSION_COOKIE_SECURE": "0"}, "security.W012"),
        ({"DEBUG": "1"}, "security.W018"),
    ],
    ids=["weak key", "no ssl redirect", "no hsts", "insecure cookie", "debug"],
)
def test_check_deploy_catches_what_a_production_setting_turned_off_would_open(env, warning):
    """The clean check above is not clean by accident: each guard, undone, is reported."""
    result = check_deploy(**env)
    assert result.returncode != 0
    assert warning in result.stderr


def test_production_refuses_to_start_without_a_secret_key_or_hosts():
    result = check_deploy(SECRET_KEY="")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
    result = check_deploy(ALLOWED_HOSTS="")
    assert result.returncode != 0 and "ALLOWED_HOSTS must be set" in result.stderr
    result = check_deploy(PERSON_MATCH_KEY="")
    assert result.returncode != 0 and "PERSON_MATCH_KEY must be set" in result.stderr
    result = check_deploy(ANTICORRUPTION_KEY="")
    assert result.returncode != 0 and "ANTICORRUPTION_KEY must be set" in result.stderr
    result = check_deploy(ANTICORRUPTION_KEY="not-a-fernet-key")
    assert result.returncode != 0 and "must be a Fernet key" in result.stderr


def test_a_malformed_proxy_header_is_refused_with_the_expected_form():
    result = check_deploy(SECURE_PROXY_SSL_HEADER="https")
    assert result.returncode != 0 and "X-Forwarded-Proto: https" in result.stderr


# --------------------------------------------------------------------------- gunicorn


def gunicorn_config(monkeypatch, **env) -> dict:
    for name in ("WEB_WORKERS", "WEB_THREADS", "WEB_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gisapp" / "gunicorn.conf.py"))


def test_gunicorn_workers_come_from_the_cores_unless_set(monkeypatch):
    cfg = gunicorn_config(monkeypatch)
    assert cfg["workers"] == 2 * os.cpu_count() + 1
    assert (cfg["worker_class"], cfg["threads"], cfg["timeout"]) == ("gthread", 4, 60)
    cfg = gunicorn_config(monkeypatch, WEB_WORKERS="3", WEB_THREADS="8", WEB_TIMEOUT="120")
    assert (cfg["workers"], cfg["threads"], cfg["timeout"]) == (3, 8, 120)


def test_gunicorn_access_log_has_the_path_without_the_query_string(monkeypatch):
    """Rendered by gunicorn's own logger, for a search whose query string holds a name, a
    citizen ID and a phone number, with a referrer that holds them too."""

    cfg = gunicorn_config(monkeypatch)
    config = Config()
    config.set("access_log_format", cfg["access_log_format"])
    query = "q=%E0%B8%AA%E0%B8%A1%E0%B8%8A%E0%B8%B2%E0%B8%A2&cid=1101700230708&phone=0898765432"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/cases/?{query}",
        "PATH_INFO": "/cases/",
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.5",
        "HTTP_REFERER": f"https://damrong.example.go.th/cases/?{query}",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[], response_length=1234)
    request = SimpleNamespace(headers=[])
    atoms = Logger(config).atoms(response, request, environ, timedelta(seconds=0.25))
    line = cfg["access_log_format"] % atoms
    assert '"GET /cases/ HTTP/1.1" 200 1234' in line and "10.0.0.5" in line
    for secret in ("1101700230708", "0898765432", "q=", "?", "Mozilla"):
        assert secret not in line
