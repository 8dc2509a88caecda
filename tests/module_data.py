"""Data built once for a test module, inside a transaction rolled back after its last test.

What Django's ``TestCase.setUpTestData`` does, for pytest: the jurisdiction matrix and the
field-classification test build hundreds of officers and cases once and run thousands of checks
on them, each test in a savepoint of the module's transaction.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import transaction
from django.test import override_settings


@contextmanager
def module_data(django_db_blocker, build, *, media_root: str, **settings_overrides):
    """Yield ``build()``'s result, built in a transaction that is rolled back at the end."""
    overrides = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=media_root,
        # The module's data live as long as its tests run: locks and sessions must outlast them.
        LOCKOUT_MINUTES=24 * 60,
        SESSION_IDLE_MINUTES=24 * 60,
        **settings_overrides,
    )
    overrides.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            data = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            overrides.disable()
            raise
    try:
        yield data
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
        overrides.disable()
