"""Reading login lock-outs: how long an account or an address must wait, who is locked, and who
may lift a lock.

The failures themselves are django-axes' ``AccessAttempt`` rows: one row per (typed citizen ID,
address, browser) with its number of failures and the time of the last one. A row counts while
its last failure is younger than ``LOCKOUT_MINUTES``; an account is locked while its rows in
that window add up to ``LOGIN_FAILURE_LIMIT`` failures, an address while its rows add up to
``LOGIN_FAILURE_LIMIT_PER_ADDRESS`` (see the settings for why the two limits differ).

Who may lift an account's lock mirrors who certifies officers (``layers.selectors.officers``):
the district chief for officers of their district, the province officer for officers of their
province (the district chief included: someone must unlock a locked chief), an administrator
for everyone. An officer is "of" an area when every active role they hold lies in it, so an
officer with a role elsewhere, or a country-wide one, is left to an administrator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from layers.models import Officer, Role, RoleAssignment
from layers.selectors.officers import registration_approver_areas
from layers.selectors.scope import jurisdiction_for


def lockout_period() -> timedelta:
    return timedelta(minutes=settings.LOCKOUT_MINUTES)


def _window(now: datetime | None) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    return now, now - lockout_period()


def _recent(now: datetime | None = None) -> QuerySet:
    _, start = _window(now)
    return AccessAttempt.objects.filter(attempt_time__gte=start)


def failures_of(*, username: str | None = None, ip_address: str | None = None, now=None) -> int:
    """Failures of an account (a typed, normalised citizen ID) or of an address still counted."""
    if not username and not ip_address:
        return 0
    qs = _recent(now)
    qs = qs.filter(username=username) if username else qs.filter(ip_address=ip_address)
    return sum(qs.values_list("failures_since_start", flat=True))


def lock_lifts_at(rows: Iterable[tuple[datetime, int]], limit: int) -> datetime | None:
    """When a lock over ``rows`` (last failure time, failures) lifts; None when not locked.

    Newest first, the failures add up; the row that brings the sum to the limit holds the lock
    until it leaves the window (the newer rows alone stay under the limit).
    """
    total = 0
    for attempt_time, failures in sorted(rows, key=lambda r: r[0], reverse=True):
        total += failures
        if total >= limit:
            return attempt_time + lockout_period()
    return None


@dataclass(frozen=True)
class Lockout:
    """A lock in force: what is locked and for how long still."""

    by_account: bool
    by_address: bool
    wait: timedelta

    @property
    def minutes(self) -> int:
        """The waiting time in whole minutes, rounded up (never 0 while locked)."""
        return max(1, -(-int(self.wait.total_seconds()) // 60))


def lockout_for(
    *, username: str | None, ip_address: str | None, now: datetime | None = None
) -> Lockout | None:
    """The lock that refuses a login of ``username`` from ``ip_address`` now, or None."""
    now = now or timezone.now()
    recent = _recent(now)
    account = address = None
    if username:
        rows = recent.filter(username=username).values_list("attempt_time", "failures_since_start")
        account = lock_lifts_at(rows, settings.LOGIN_FAILURE_LIMIT)
    if ip_address:
        rows = recent.filter(ip_address=ip_address).values_list(
            "attempt_time", "failures_since_start"
        )
        address = lock_lifts_at(rows, settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS)
    until = max((t for t in (account, address) if t is not None), default=None)
    if until is None or until <= now:
        return None
    return Lockout(by_account=account is not None, by_address=address is not None, wait=until - now)


def locked_usernames(*, now: datetime | None = None) -> dict[str, datetime]:
    """Every locked account (typed citizen ID) with the time its lock lifts."""
    now = now or timezone.now()
    rows: dict[str, list[tuple[datetime, int]]] = {}
    for username, at, failures in (
        _recent(now)
        .exclude(username__isnull=True)
        .exclude(username="")
        .values_list("username", "attempt_time", "failures_since_start")
    ):
        rows.setdefault(username, []).append((at, failures))
    locked = {}
    for username, user_rows in rows.items():
        until = lock_lifts_at(user_rows, settings.LOGIN_FAILURE_LIMIT)
        if until is not None and until > now:
            locked[username] = until
    return locked


# --- Who may lift a lock -----------------------------------------------------------------------


def officer_is_admin(officer) -> bool:
    return bool(
        officer is not None
        and officer.is_authenticated
        and (officer.is_superuser or Role.ADMIN in jurisdiction_for(officer).roles)
    )


def officer_may_unlock_accounts(officer) -> bool:
    """Whether the officer may open the locked-accounts page at all."""
    return officer_is_admin(officer) or bool(registration_approver_areas(officer=officer))


def _role_areas(officers: Iterable[Officer]) -> dict[int, list[tuple[str | None, str | None]]]:
    """(province, district) of every active role of each officer; (None, None) = country."""
    areas: dict[int, list] = {o.pk: [] for o in officers}
    for officer_id, province_id, district_id, district_province in RoleAssignment.objects.filter(
        officer_id__in=list(areas), is_active=True
    ).values_list("officer_id", "province_id", "district_id", "district__province_id"):
        areas[officer_id].append((province_id or district_province, district_id))
    return areas


def _covers(approver_areas, role_areas: list[tuple[str | None, str | None]]) -> bool:
    if not role_areas:
        return False
    for province, district in role_areas:
        if district is not None and district in approver_areas.districts:
            continue
        if province is not None and province in approver_areas.provinces:
            continue
        return False
    return True


def unlockable_officers(*, officer, targets: Iterable[Officer]) -> list[Officer]:
    """The ``targets`` whose lock ``officer`` may lift (none for an outsider)."""
    targets = list(targets)
    if officer_is_admin(officer):
        return targets
    approver_areas = registration_approver_areas(officer=officer)
    if not approver_areas or not targets:
        return []
    areas = _role_areas(targets)
    return [
        t
        for t in targets
        if not (t.is_superuser or t.is_staff) and _covers(approver_areas, areas[t.pk])
    ]


def officer_can_unlock(*, officer, target: Officer) -> bool:
    return bool(unlockable_officers(officer=officer, targets=[target]))


@dataclass(frozen=True)
class LockedAccount:
    officer: Officer
    until: datetime
    failures: int
    minutes_left: int


def locked_accounts_visible_to(*, officer, now: datetime | None = None) -> list[LockedAccount]:
    """Locked accounts of the officer's area, the soonest to lift first."""
    now = now or timezone.now()
    locked = locked_usernames(now=now)
    if not locked or not officer_may_unlock_accounts(officer):
        return []
    officers = Officer.objects.filter(citizen_id__in=list(locked)).order_by("first_name", "pk")
    return sorted(
        (
            LockedAccount(
                officer=t,
                until=locked[t.citizen_id],
                failures=failures_of(username=t.citizen_id, now=now),
                minutes_left=Lockout(
                    by_account=True, by_address=False, wait=locked[t.citizen_id] - now
                ).minutes,
            )
            for t in unlockable_officers(officer=officer, targets=officers)
        ),
        key=lambda row: row.until,
    )
