"""The database a bench works in: its own, created with PostGIS when it is missing.

Each bench takes ``--database-url``; by default that is DATABASE_URL (the one ``./damrong``
chose, or the local default) with the bench's own database name, so a bench never touches the
development or test data, and starts from nothing on a fresh machine: it creates the database
here, then migrates and loads what it needs itself.
"""

from __future__ import annotations

import os
import sys

DEFAULT_URL = "postgis://postgres@127.0.0.1:5432/damrong"


def bench_database_url(name: str, explicit: str | None = None) -> str:
    """``explicit`` when given, else DATABASE_URL's server and credentials with database ``name``."""
    if explicit:
        return explicit
    import dj_database_url

    cfg = dj_database_url.parse(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    auth = cfg["USER"] or ""
    if cfg["PASSWORD"]:
        auth += f":{cfg['PASSWORD']}"
    host = cfg["HOST"] or "127.0.0.1"
    port = cfg["PORT"] or 5432
    return f"postgis://{auth}{'@' if auth else ''}{host}:{port}/{name}"


def ensure_database(url: str) -> None:
    """Create the database of ``url`` and its postgis extension when missing (through the
    server's ``postgres`` maintenance database, as ./damrong does)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    cfg = dj_database_url.parse(url)
    conn_args = dict(
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
    )
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **conn_args) as c:
            exists = c.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]
            ).fetchone()
            if not exists:
                # UTF-8 LC_CTYPE, as ./damrong makes it: pg_trgm needs it for Thai.
                c.execute(
                    sql.SQL(
                        "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8'"
                    ).format(sql.Identifier(cfg["NAME"]))
                )
                print(f"created database {cfg['NAME']}", file=sys.stderr, flush=True)
        with psycopg.connect(dbname=cfg["NAME"], autocommit=True, **conn_args) as c:
            c.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.OperationalError as exc:
        sys.exit(f"bench: cannot reach the database server: {exc}")
