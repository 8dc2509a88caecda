"""The home page: what an officer needs first, by role.

Counts come from the case selectors (always through the jurisdiction scope), the links from
the same role flags as the navigation bar, so the page never offers what a role cannot open.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language

from boundaries.models import Province
from layers.models import RegistrationRequest, Role
from layers.policy import may_record
from layers.selectors import cases as sel
from layers.selectors.officers import officer_roles, registrations_visible_to
from layers.selectors.scope import jurisdiction_for
from layers.thaidate import THAI_MONTHS, be_year
from maps.templatetags.officer_nav import officer_nav


def _thai() -> bool:
    return (get_language() or "th").startswith("th")


def month_label(day) -> str:
    """ "พฤศจิกายน 2569" on Thai pages (B.E.), "November 2026" on English ones."""
    if _thai():
        return f"{THAI_MONTHS[day.month - 1]} {be_year(day)}"
    return date_format(day, "F Y")


def _officer_provinces(jurisdiction) -> list[dict]:
    """The provinces whose map the officer may open: every one for the country level, else
    those their areas lie in (codes nest, so a district's province is its first two digits)."""
    qs = Province.objects.order_by("code")
    if not jurisdiction.country:
        codes = (
            set(jurisdiction.provinces)
            | {d[:2] for d in jurisdiction.districts}
            | {s[:2] for s in jurisdiction.subdistricts}
        )
        qs = qs.filter(code__in=codes)
    thai = _thai()
    return [
        {
            "code": code,
            "name": name_th if thai or not name_en else name_en,
            "map_url": reverse("province_map", args=[code]),
            "export_url": reverse("api:complaints_geojson") + f"?province={code}",
        }
        for code, name_th, name_en in qs.values_list("code", "name_th", "name_en")
    ]


def home(request):
    """``/``: the public home for visitors (file, follow, the officers' login); an officer
    logged in gets their working home, as before."""
    if not request.user.is_authenticated:
        from maps.views.public import public_home

        return public_home(request)
    return officer_home(request)


@login_required
def officer_home(request):
    officer = request.user
    nav = officer_nav(officer)
    if not nav["has_area"]:
        # Logged in but no role with an area yet (registration not approved, or roles ended):
        # nothing to count, say so and where to turn.
        return render(request, "maps/home.html", {"no_role": True, "nav": nav})
    j = jurisdiction_for(officer)
    now = timezone.now()
    inbox_roles = {Role.PROVINCE_OFFICER, Role.CENTRAL_OFFICER}
    closure = sel.case_month_closure(officer=officer, now=now)
    context = {
        "no_role": False,
        "nav": nav,
        "counts": {
            "queue": sel.case_queue_for(officer=officer).count(),
            "open": sel.case_backlog(officer=officer).count(),
            "overdue": sel.case_overdue(officer=officer, now=now).count(),
            "inbox": (
                sel.case_inbox_for(officer=officer).count() if j.roles & inbox_roles else None
            ),
        },
        "unread_notifications": sel.notifications_for(officer=officer, unread_only=True).count(),
        "closure": closure,
        "month": month_label(closure["month_start"]),
        "roles": officer_roles(officer=officer),
        "may_record": may_record(officer),
        "provinces": _officer_provinces(j),
        "pending_registrations": (
            registrations_visible_to(
                officer=officer, status=RegistrationRequest.Status.PENDING
            ).count()
            if nav["approver"]
            else None
        ),
    }
    return render(request, "maps/home.html", context)
