"""The database must classify Thai letters: a UTF-8 ``LC_CTYPE``.

pg_trgm takes a trigram's letters from the database's ``LC_CTYPE``: under ``C`` / ``POSIX`` no
Thai character is a letter, so a Thai text has no trigram at all and every similarity is 0
(measured on PostgreSQL 15). ``./damrong`` creates the database from template0 with
``LC_CTYPE 'C.UTF-8'``; the migration that adds pg_trgm (and a system check) refuse one that
was created otherwise, saying how to make it right.
"""

from __future__ import annotations

from django.core import checks
from django.db import connection

BAD_CTYPES = {"c", "posix"}


def ctype_problem(cursor) -> str | None:
    """Why the current database cannot compare Thai texts, or None when it can."""
    cursor.execute(
        "SELECT datctype, pg_encoding_to_char(encoding) FROM pg_database "
        "WHERE datname = current_database()"
    )
    ctype, encoding = cursor.fetchone()
    utf8 = "utf8" in ctype.lower().replace("-", "")
    if ctype.lower() in BAD_CTYPES or not utf8 or encoding.upper() != "UTF8":
        return (
            f"The database has LC_CTYPE {ctype!r} and encoding {encoding}: Thai text cannot be "
            "compared there (pg_trgm finds no trigram in Thai under the C locale). Create it "
            "with a UTF-8 LC_CTYPE, e.g. CREATE DATABASE <name> TEMPLATE template0 ENCODING "
            "'UTF8' LC_CTYPE 'C.UTF-8' (./damrong setup does this for a new database), and "
            "restore the data into it."
        )
    return None


def require_utf8_ctype(cursor) -> None:
    problem = ctype_problem(cursor)
    if problem:
        raise RuntimeError(problem)


@checks.register(checks.Tags.database)
def check_database_ctype(app_configs=None, databases=None, **kwargs):
    """Run by ``migrate`` and ``check --database default``."""
    if not databases or "default" not in databases:
        return []
    with connection.cursor() as cursor:
        problem = ctype_problem(cursor)
    return [checks.Error(problem, id="layers.E001")] if problem else []
