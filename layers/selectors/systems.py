"""Which cases another office's system may see: its registered areas, as a jurisdiction.

Open311 partners and webhook subscribers are registered for the whole country or for
provinces and districts (``layers.models.exchange.AreaScoped``); nothing when none is given.
Their cases are the ones an officer of those areas would see, through the same
``scope_q`` (``layers.selectors.scope``); which *fields* they see is ``layers.policy``'s
``PARTNER_VIEWER`` / ``WEBHOOK_VIEWER``.
"""

from __future__ import annotations

from django.db.models import QuerySet

from layers.models import Complaint
from layers.selectors.scope import Jurisdiction, scope_q


def system_jurisdiction(system) -> Jurisdiction:
    """The areas of a partner or subscriber (cached on the object for its lifetime)."""
    cached = getattr(system, "_jurisdiction_cache", None)
    if cached is not None:
        return cached
    result = Jurisdiction(
        country=system.whole_country,
        provinces=frozenset(system.provinces.values_list("code", flat=True)),
        districts=frozenset(system.districts.values_list("code", flat=True)),
    )
    system._jurisdiction_cache = result
    return result


def complaints_visible_to_system(system, queryset: QuerySet | None = None) -> QuerySet:
    qs = Complaint.objects.all() if queryset is None else queryset
    jurisdiction = system_jurisdiction(system)
    if jurisdiction.is_empty:
        return qs.none()
    q = scope_q(jurisdiction)
    return qs if q is None else qs.filter(q)


def system_covers(system, *, province: str, district: str, subdistrict: str = "") -> bool:
    return system_jurisdiction(system).covers_area(
        province=province, district=district, subdistrict=subdistrict
    )
