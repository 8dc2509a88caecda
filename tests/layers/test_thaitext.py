"""Thai text in the database and in Python: a UTF-8 LC_CTYPE (pg_trgm), PyThaiNLP offline."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg import sql

from layers.dbcheck import check_database_ctype, ctype_problem, require_utf8_ctype

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_the_test_database_has_a_utf8_lc_ctype_and_pg_trgm_sees_thai():
    with connection.cursor() as cur:
        cur.execute("SHOW lc_ctype")
        (ctype,) = cur.fetchone()
        assert "utf8" in ctype.lower().replace("-", "")
        assert ctype_problem(cur) is None
        cur.execute("SELECT similarity('ถนนลูกรังชำรุด', 'ถนนลูกรังชำรุดมาก')")
        assert cur.fetchone()[0] > 0.5
    assert check_database_ctype(databases=["default"]) == []


@pytest.fixture
def c_locale_database():
    """A database made the way that breaks pg_trgm for Thai: LC_CTYPE C."""
    db = settings.DATABASES["default"]
    args = dict(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
    )
    name = f"damrong_c_locale_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **args) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 LC_CTYPE 'C' LC_COLLATE 'C'").format(
                sql.Identifier(name)
            )
        )
    try:
        with psycopg.connect(dbname=name, autocommit=True, **args) as conn:
            yield conn
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **args) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def test_a_c_locale_database_is_refused_with_a_clear_message(c_locale_database):
    with c_locale_database.cursor() as cur:
        problem = ctype_problem(cur)
        assert problem and "LC_CTYPE 'C'" in problem and "C.UTF-8" in problem
        with pytest.raises(RuntimeError, match="Thai text cannot be compared"):
            require_utf8_ctype(cur)
        # What it would get wrong: no trigram in Thai at all.
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cur.execute("SELECT similarity('ถนนลูกรังชำรุด', 'ถนนลูกรังชำรุดมาก')")
        assert cur.fetchone()[0] == 0


def test_pythainlp_works_offline_and_writes_nothing(tmp_path):
    """The newmm word list ships in the wheel: nothing is downloaded, no data folder made."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHAINLP")}
    env.update(
        HOME=str(home),
        PYTHONPATH=str(ROOT),
        http_proxy="http://127.0.0.1:9",
        https_proxy="http://127.0.0.1:9",
    )
    code = (
        "import os; from layers.thaitext import words, normalize_text; "
        "assert os.environ['PYTHAINLP_OFFLINE'] == '1'; "
        "print('|'.join(words(normalize_text('ถนนลูกรังเป็นหลุมบ่อ'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ถนนลูกรัง|เป็น|หลุม|บ่อ"
    assert list(home.iterdir()) == []
