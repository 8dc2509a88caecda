"""Writing complaints: intake (validate, look up the areas, number, save, route) in one go."""

from __future__ import annotations

import hashlib
import logging
import math
from datetime import datetime, timedelta

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from boundaries.selectors import area_for_point
from layers.errors import InvalidInput
from layers.identity import person_columns
from layers.inputs import decimal_value, text_value
from layers.models import (
    Category,
    Channel,
    CloseResult,
    Complaint,
    ComplaintHistory,
    DuplicateDecision,
    DuplicateDecisionKind,
    HistoryKind,
    Status,
)
from layers.policy import require_record
from layers.rules import due_at_for
from layers.selectors.duplicates import duplicates_for
from layers.selectors.scope import complaints_visible_to
from layers.services.routing import complaint_route_on_intake
from layers.services.search import case_search_refresh
from layers.services.tracking import pin_issue
from layers.services.webhooks import case_event_record
from layers.services.workflow import (
    attachments_create,
    attachments_validate,
    complaint_change_write,
)
from layers.thaidate import be_year
from layers.thaitext import normalize_text
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

    Must run inside the caller's transaction: the year's counter row stays locked until it
    commits, so concurrent intakes queue on that row and never get the same number, and a
    rolled-back intake gives its number back.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    # Raw SQL because one INSERT ... ON CONFLICT DO UPDATE ... RETURNING both creates the row
    # of a new year (no race between two first intakes of January) and increments under the
    # row lock, in a single statement. GREATEST with the highest number already used keeps
    # the counter ahead of complaints written by other paths (bulk imports, demo data).
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO layers_trackingcounter AS c (year_be, last_seq)
            VALUES (
                %(year)s,
                %(count)s + COALESCE(
                    (SELECT max(tracking_seq) FROM layers_complaint
                     WHERE tracking_year = %(year)s), 0)
            )
            ON CONFLICT (year_be) DO UPDATE
            SET last_seq = %(count)s + GREATEST(
                c.last_seq,
                COALESCE((SELECT max(tracking_seq) FROM layers_complaint
                          WHERE tracking_year = %(year)s), 0)
            )
            RETURNING last_seq
            """,
            {"year": year_be, "count": count},
        )
        (last,) = cur.fetchone()
    return last - count + 1


def parse_point(*, lat, lon) -> Point:
    """A WGS 84 point from user input, or ``InvalidInput`` saying what is wrong with each
    coordinate. Plain decimals in ASCII digits only (``layers.inputs.decimal_value``): Python's
    ``float`` would read ``1_6.5`` as 16.5."""
    errors = {}
    values = {}
    for name, raw, low, high in (("lat", lat, -90, 90), ("lon", lon, -180, 180)):
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            errors[name] = _("This coordinate is required.")
            continue
        try:
            values[name] = decimal_value(raw, field=name, low=low, high=high)
        except InvalidInput as exc:
            errors.update({k: v[0] for k, v in exc.fields.items()})
    if errors:
        raise InvalidInput(errors)
    return Point(values["lon"], values["lat"], srid=4326)


def _category_from(value):
    """A Category from an instance, a code or a primary key; None when there is no such one."""
    if value is None or value == "":
        return None
    if isinstance(value, Category):
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    if isinstance(value, int):
        return Category.objects.filter(pk=value).first()
    return Category.objects.filter(code=str(value).strip()).first()


def category_resolve(category, subcategory, subcategory_text, errors: dict):
    """The rules of a complaint's category tree: returns (main category, sub-category, words)
    and puts what is wrong into ``errors`` by field. Shared by ``complaint_create`` and the
    intake form (which shows the errors beside its other fields)."""
    category = _category_from(category)
    if category is None or category.parent_id is not None or not category.is_active:
        errors["category"] = _("Choose a main category.")
        return None, None, ""
    subcategory = _category_from(subcategory)
    subcategory_text = (subcategory_text or "").strip()
    if category.is_other:
        # "เรื่องอื่นๆ" has no sub-categories of its own: the officer's words are the
        # sub-category, and a sub-category picked from elsewhere is not kept.
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
        elif not subcategory.is_active:
            errors["subcategory"] = _("This sub-category is no longer in use: choose another.")
        subcategory_text = ""
    return category, subcategory, subcategory_text


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
    complainant_email: str = "",
    accused_name: str = "",
    accused_detail: str = "",
    title: str = "",
    location_note: str = "",
    received_at: datetime | None = None,
    created_by,
    route: bool = True,
    source_reference: str = "",
    location_approximate: bool = False,
) -> Complaint:
    """Record a complaint: validate, set the three area codes from the point, number it, save.

    ``created_by`` is the recording officer, who must hold an intake role
    (``layers.policy.require_record``: ``Forbidden`` otherwise), or None for a complaint the
    system records itself (an import, the demo data) — said explicitly by every caller.

    Raises ``InvalidInput`` (field → message) and writes nothing when the input is wrong,
    including a point outside Thailand. Every text is read by ``layers.inputs.text_value``
    (a string, no NUL, at most ``TEXT_LIMITS`` characters), so the form, the API and imports
    share the limits. With ``route`` the case then goes to the team of its sub-district
    (``layers.services.routing``). Spreadsheet imports (``layers.services.imports``) give
    the row's ``source_reference`` and say whether the point is only the sub-district's
    (``location_approximate``).
    """
    if created_by is not None:
        require_record(created_by)
    errors: dict[str, str] = {}
    texts: dict[str, str] = {}
    for name, value, required_message in (
        ("complainant_name", complainant_name, _("The complainant's name is required.")),
        ("description", description, _("Describe the complaint.")),
        ("subcategory_text", subcategory_text, None),
        ("complainant_phone", complainant_phone, None),
        ("complainant_address", complainant_address, None),
        ("complainant_email", complainant_email, None),
        ("accused_name", accused_name, None),
        ("accused_detail", accused_detail, None),
        ("title", title, None),
        ("location_note", location_note, None),
    ):
        try:
            texts[name] = text_value(
                value,
                field=name,
                required=required_message is not None,
                required_message=required_message,
            )
        except InvalidInput as exc:
            errors.update({k: v[0] for k, v in exc.fields.items()})
            texts[name] = ""
    category, subcategory, subcategory_text = category_resolve(
        category, subcategory, texts["subcategory_text"], errors
    )
    if not isinstance(channel, str) or channel not in Channel.values:
        errors["channel"] = _("Choose how the complaint came in.")
    complainant_name = texts["complainant_name"]
    description = texts["description"]
    if not isinstance(complainant_citizen_id, str | None):
        errors["complainant_citizen_id"] = _("A citizen ID has 13 digits.")
        complainant_citizen_id = ""
    complainant_citizen_id = normalize_citizen_id(complainant_citizen_id or "")
    if complainant_citizen_id:
        try:
            validate_citizen_id(complainant_citizen_id)
        except ValidationError as exc:
            errors["complainant_citizen_id"] = exc.messages[0]
    complainant_phone = texts["complainant_phone"]
    if complainant_phone and "complainant_phone" not in errors:
        try:
            validate_thai_phone(complainant_phone)
        except ValidationError as exc:
            errors["complainant_phone"] = exc.messages[0]

    if texts["complainant_email"] and "complainant_email" not in errors:
        try:
            validate_email(texts["complainant_email"])
        except ValidationError:
            errors["complainant_email"] = _("Enter a valid e-mail address.")

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
    now = timezone.now()
    if received_at is None:
        received_at = now
    else:
        if timezone.is_naive(received_at):
            received_at = timezone.make_aware(received_at)
        # A letter may be recorded days after it came in, never before.
        if received_at > now + timedelta(minutes=5):
            errors["received_at"] = _("The date received cannot be in the future.")
    if errors:
        raise InvalidInput(errors)

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
        location_note=texts["location_note"],
        location_approximate=bool(location_approximate),
        source_reference=source_reference or "",
        category=category,
        subcategory=subcategory,
        subcategory_text=subcategory_text,
        channel=channel,
        complainant_name=complainant_name,
        complainant_citizen_id=complainant_citizen_id,
        complainant_phone=complainant_phone,
        complainant_address=texts["complainant_address"],
        complainant_email=texts["complainant_email"],
        accused_name=texts["accused_name"],
        accused_detail=texts["accused_detail"],
        # Keyed hashes of the ID and phone, normalised names (layers/identity.py): what the
        # same-person check compares, never the values themselves.
        **person_columns(
            citizen_id=complainant_citizen_id,
            phone=complainant_phone,
            name=complainant_name,
            accused_name=texts["accused_name"],
        ),
        title=texts["title"],
        description=description,
        description_norm=normalize_text(description),
        status=Status.RECEIVED,
        received_at=received_at,
        status_changed_at=now,
        due_at=due_at_for(start=received_at, category=category, subcategory=subcategory),
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
    case_event_record(complaint=complaint, kind=HistoryKind.CREATED, to_status=Status.RECEIVED)
    # Its search words (issue 12), in this same transaction (routing refreshes them again).
    case_search_refresh(complaint_id=complaint.pk)
    # The complainant's PIN (issue 11): left on ``complaint.pin`` for the screen that recorded
    # the case, sent by SMS / e-mail when they left a contact; only its hash is stored.
    pin_issue(complaint)
    logger.info("complaint %s received in %s", complaint.tracking_no, complaint.subdistrict_id)
    if route:
        complaint_route_on_intake(complaint=complaint, actor=created_by)
    return complaint


# --- Intake with the duplicate check (issue 8) -------------------------------------------------

# The side of the grid cells the intake lock is keyed on, in degrees (about 1.1 km north-south).
# A new complaint locks every cell that its search disc (R metres around the point) touches, so
# two complaints within R of each other always share at least one cell: each disc holds the
# other's point, hence the other's own cell. With R ≤ 1 km a complaint takes 1 to 9 locks.
INTAKE_LOCK_CELL_DEG = 0.01
_METRES_PER_DEGREE = 111_320.0


def intake_lock_keys(*, location: Point, category: Category) -> list[int]:
    """The advisory-lock keys (signed 64-bit) of a complaint of ``category`` at ``location``:
    one per grid cell its duplicate search touches, sorted (every intake takes them in the same
    order, so two intakes never wait on each other in a cycle)."""
    radius = category.duplicate_radius_m + 1.0
    lat, lon = location.y, location.x
    dlat = radius / _METRES_PER_DEGREE
    dlon = radius / (_METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    cell = INTAKE_LOCK_CELL_DEG
    keys = set()
    for ix in range(math.floor((lon - dlon) / cell), math.floor((lon + dlon) / cell) + 1):
        for iy in range(math.floor((lat - dlat) / cell), math.floor((lat + dlat) / cell) + 1):
            digest = hashlib.blake2b(
                f"intake-duplicates:{category.pk}:{ix}:{iy}".encode(), digest_size=8
            ).digest()
            keys.add(int.from_bytes(digest, "big", signed=True))
    return sorted(keys)


def intake_lock(*, location: Point, category: Category) -> None:
    """Take the intake locks of (category, the cells around the point) until the transaction
    ends. Two intakes of the same matter at the same moment then run their duplicate checks
    one after the other: the second waits until the first has committed, and finds it."""
    with connection.cursor() as cur:
        for key in intake_lock_keys(location=location, category=category):
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _intake_candidates(*, location, category, subcategory, subcategory_text, description):
    """The place candidates of a complaint about to be recorded, under the intake lock; None
    when the input is too wrong to search (``complaint_create`` then says what is wrong)."""
    errors: dict[str, str] = {}
    main, sub, _words = category_resolve(category, subcategory, subcategory_text, errors)
    if main is None or not isinstance(location, Point) or not isinstance(description, str):
        return None
    intake_lock(location=location, category=main)
    try:
        return duplicates_for(
            location=location,
            category=main,
            subcategory=sub if "subcategory" not in errors else None,
            description=description,
            limit=DUPLICATES_AT_INTAKE,
        )
    except InvalidInput:
        return None


# As many as GET /api/cases/duplicates/ answers.
DUPLICATES_AT_INTAKE = 10


def _link_at_intake(*, complaint: Complaint, original, candidates, actor) -> Complaint:
    """The new case is the same matter as ``original`` (a tracking number): one of the
    candidates just found, or a case the officer may open. It is closed at once with the result
    "duplicate" pointing to it (to the first case when ``original`` is itself a duplicate)."""
    number = original.strip() if isinstance(original, str) else ""
    found = {c.tracking_no: c for c in candidates}
    other = Complaint.objects.filter(tracking_no=number).first() if number else None
    allowed = other is not None and (
        number in found
        or (actor is not None and complaints_visible_to(officer=actor).filter(pk=other.pk).exists())
    )
    if not allowed:
        raise InvalidInput(
            {"duplicate_of": _("No such case among the suggestions or in your area.")}
        )
    if other.duplicate_of_id is not None:
        other = other.duplicate_of
    text = _("Duplicate of %(no)s.") % {"no": other.tracking_no}
    complaint.refresh_from_db()
    linked = complaint_change_write(
        current=complaint,
        version=complaint.version,
        actor=actor,
        kind=HistoryKind.CLOSED,
        to_status=Status.CLOSED,
        note=text,
        to_value=CloseResult.DUPLICATE,
        close_result=CloseResult.DUPLICATE,
        close_note=text,
        closed_at=timezone.now(),
        duplicate_of=other,
    )
    DuplicateDecision.objects.create(
        case=linked,
        candidate=other,
        decision=DuplicateDecisionKind.LINKED,
        score=found[number].score if number in found else 0.0,
        decided_by=actor,
    )
    return linked


def complaint_intake(
    *, files=(), created_by, duplicate_of: str = "", then=None, **fields
) -> Complaint:
    """Record a complaint as the intake form and ``POST /api/cases/`` do: under the intake
    lock, search its duplicates, record it (``complaint_create``: the same validation and
    messages) with its attachments, all in one transaction.

    The candidates found are left on ``complaint.duplicates`` (``PlaceCandidate`` list, best
    first, at most ``DUPLICATES_AT_INTAKE``) and the routing on ``complaint.routing``. With
    ``duplicate_of`` (a tracking number: one of those candidates, or a case the officer may
    open) the new case is linked to it at once: closed as a duplicate, not routed.
    Attachments are checked before anything is written; a file stored before a failure is
    removed again. ``then(complaint)``, when given, runs last in the same transaction (the
    intake form attaches an inbox letter with it): its refusal leaves nothing either.
    ``fields`` are ``complaint_create``'s.
    """
    if created_by is not None:
        require_record(created_by)
    attachments_validate(files)  # a bad file is refused before the lock is taken
    stored: list[str] = []
    try:
        with transaction.atomic():
            candidates = _intake_candidates(
                location=fields.get("location"),
                category=fields.get("category"),
                subcategory=fields.get("subcategory"),
                subcategory_text=fields.get("subcategory_text", ""),
                description=fields.get("description", ""),
            )
            # Linked at once to a case already recorded: not routed to a team (nothing to do).
            complaint = complaint_create(created_by=created_by, route=not duplicate_of, **fields)
            if duplicate_of:
                complaint = _link_at_intake(
                    complaint=complaint,
                    original=duplicate_of,
                    candidates=candidates or [],
                    actor=created_by,
                )
            stored = attachments_create(complaint=complaint, files=files, actor=created_by)
            if then is not None:
                then(complaint)
    except BaseException:
        # A database rollback does not remove files: the ones already stored go too.
        for name in stored:
            default_storage.delete(name)
        raise
    complaint.duplicates = candidates or []
    return complaint
