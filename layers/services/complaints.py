"""Writing complaints: intake (validate, look up the areas, number, save, route) in one go."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from boundaries.selectors import area_for_point
from gisapp.thaidate import be_year
from layers.models import (
    Category,
    Channel,
    Complaint,
    ComplaintHistory,
    HistoryKind,
    Status,
    TrackingCounter,
)
from layers.validators import normalize_citizen_id, validate_citizen_id, validate_thai_phone

logger = logging.getLogger(__name__)

TRACKING_SEQ_DIGITS = 7


def format_tracking_no(year_be: int, seq: int) -> str:
    """``2569-0000123``: B.E. year, dash, a sequence that restarts each year.

    >>> format_tracking_no(2569, 123)
    '2569-0000123'
    """
    return f"{year_be}-{seq:0{TRACKING_SEQ_DIGITS}d}"


def tracking_number_issue(*, year_be: int, count: int = 1) -> int:
    """Reserve ``count`` consecutive sequence numbers of a B.E. year; returns the first.

    One row per year, incremented with a single UPDATE ... RETURNING, so concurrent intakes
    queue on that row and never get the same number. Must run inside the caller's transaction.
    """
    TrackingCounter.objects.get_or_create(year_be=year_be)
    updated = TrackingCounter.objects.filter(year_be=year_be).update(last_seq=F("last_seq") + count)
    assert updated == 1
    last = TrackingCounter.objects.values_list("last_seq", flat=True).get(year_be=year_be)
    return last - count + 1


def parse_point(*, lat, lon) -> Point:
    """A WGS 84 point from user input, or a ValidationError saying what is wrong."""
    errors = {}
    values = {}
    for name, raw, low, high in (("lat", lat, -90, 90), ("lon", lon, -180, 180)):
        if raw is None or str(raw).strip() == "":
            errors[name] = _("This coordinate is required.")
            continue
        try:
            value = float(str(raw).strip())
        except ValueError:
            errors[name] = _("Not a number: %(value)s") % {"value": str(raw)[:40]}
            continue
        if value != value or not (low <= value <= high):  # NaN or out of range
            errors[name] = _("Must be between %(low)s and %(high)s.") % {"low": low, "high": high}
            continue
        values[name] = value
    if errors:
        raise ValidationError(errors)
    return Point(values["lon"], values["lat"], srid=4326)


def _resolve_category(category, subcategory, subcategory_text, errors):
    if isinstance(category, str):
        category = Category.objects.filter(code=category, parent__isnull=True).first()
    if category is None or category.parent_id is not None:
        errors["category"] = _("Choose a main category.")
        return None, None, ""
    if isinstance(subcategory, str):
        subcategory = Category.objects.filter(code=subcategory).first() if subcategory else None
    subcategory_text = (subcategory_text or "").strip()
    if category.is_other:
        if not subcategory_text:
            errors["subcategory_text"] = _(
                "For 'Other' (เรื่องอื่นๆ), write the sub-category in words."
            )
        subcategory = None
    else:
        if subcategory is None:
            errors["subcategory"] = _("Choose a sub-category.")
        elif subcategory.parent_id != category.pk:
            errors["subcategory"] = _("This sub-category does not belong to the main category.")
        subcategory_text = ""
    return category, subcategory, subcategory_text


def _due_at(received_at: datetime, category: Category, subcategory: Category | None):
    days = (subcategory.effective_sla_days if subcategory else None) or category.sla_days
    return received_at + timedelta(days=days) if days else None


@transaction.atomic
def complaint_create(
    *,
    location: Point,
    category,
    channel: str,
    complainant_name: str,
    description: str,
    subcategory=None,
    subcategory_text: str = "",
    complainant_citizen_id: str = "",
    complainant_phone: str = "",
    complainant_address: str = "",
    accused_name: str = "",
    accused_detail: str = "",
    title: str = "",
    location_note: str = "",
    received_at: datetime | None = None,
    created_by=None,
    route: bool = True,
) -> Complaint:
    """Record a complaint: validate, set the three area codes from the point, number it, save.

    Raises ``ValidationError`` (a dict of field → message) and writes nothing when the input is
    wrong, including a point outside Thailand. With ``route`` the case then goes to the team of
    its sub-district (``layers.services.routing``).
    """
    errors: dict[str, str] = {}
    category, subcategory, subcategory_text = _resolve_category(
        category, subcategory, subcategory_text, errors
    )
    if channel not in Channel.values:
        errors["channel"] = _("Choose how the complaint came in.")
    complainant_name = (complainant_name or "").strip()
    if not complainant_name:
        errors["complainant_name"] = _("The complainant's name is required.")
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Describe the complaint.")
    complainant_citizen_id = normalize_citizen_id(complainant_citizen_id or "")
    if complainant_citizen_id:
        try:
            validate_citizen_id(complainant_citizen_id)
        except ValidationError as exc:
            errors["complainant_citizen_id"] = exc.messages[0]
    complainant_phone = (complainant_phone or "").strip()
    if complainant_phone:
        try:
            validate_thai_phone(complainant_phone)
        except ValidationError as exc:
            errors["complainant_phone"] = exc.messages[0]

    match = None
    if not isinstance(location, Point):
        errors["location"] = _("Pin the incident location on the map.")
    else:
        match = area_for_point(point=location)
        if not match.inside:
            errors["location"] = _(
                "The incident location (%(lat).5f, %(lon).5f) is outside Thailand's boundaries. "
                "Check the pin or the coordinates."
            ) % {"lat": match.lat, "lon": match.lon}
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    received_at = received_at or now
    year = be_year(received_at)
    seq = tracking_number_issue(year_be=year)
    complaint = Complaint.objects.create(
        tracking_no=format_tracking_no(year, seq),
        tracking_year=year,
        tracking_seq=seq,
        location=Point(match.lon, match.lat, srid=4326),
        subdistrict_id=match.subdistrict_code,
        district_id=match.district_code,
        province_id=match.province_code,
        location_note=location_note.strip(),
        category=category,
        subcategory=subcategory,
        subcategory_text=subcategory_text,
        channel=channel,
        complainant_name=complainant_name,
        complainant_citizen_id=complainant_citizen_id,
        complainant_phone=complainant_phone,
        complainant_address=complainant_address.strip(),
        accused_name=accused_name.strip(),
        accused_detail=accused_detail.strip(),
        title=title.strip(),
        description=description,
        status=Status.RECEIVED,
        received_at=received_at,
        status_changed_at=now,
        due_at=_due_at(received_at, category, subcategory),
        created_by=created_by,
    )
    ComplaintHistory.objects.create(
        complaint=complaint,
        kind=HistoryKind.CREATED,
        to_status=Status.RECEIVED,
        to_value=complaint.subdistrict_id,
        actor=created_by,
        at=now,
    )
    logger.info("complaint %s received in %s", complaint.tracking_no, complaint.subdistrict_id)
    if route:
        from layers.services.routing import complaint_route_on_intake

        complaint_route_on_intake(complaint=complaint, actor=created_by)
    return complaint
