"""Open311 GeoReport v2, read side: services (our categories) and service requests (cases).

* A **service** is a sub-category (``service_code`` = its code, ``group`` = its main
  category), plus ``other`` for "เรื่องอื่นๆ", whose sub-category is written in words (a
  required attribute). Every service is ``realtime``: a POST answers the tracking number.
* A **service request** is a case, ``service_request_id`` its tracking number. Our statuses
  map to ``open`` (received, assigned, in progress, forwarded) and ``closed``;
  ``status_notes`` says the status and the closing result in words the system writes (never a
  note someone typed). Every field is classified in ``layers.policy`` (``open311.*``) and
  shaped for the reader: a partner system reads as ``PARTNER_VIEWER`` (public and working
  data: no person, no free text, no file), an officer as their role allows.
* The specification has no paging; ``GET requests`` takes ``page`` and ``page_size`` (the
  discovery document says so) and answers a ``Link`` header with ``rel="next"``/``"prev"``.
  Without ``start_date``/``end_date`` (or ``service_request_id``) it lists the last 90 days,
  as the specification says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from boundaries.selectors import without_geoms
from layers import policy
from layers.errors import Forbidden, InvalidInput, NotFound
from layers.inputs import whole_number
from layers.models import (
    OPEN_STATUSES,
    Category,
    Complaint,
    ForwardTarget,
    Partner,
    PartnerSubmission,
    Status,
)
from layers.selectors.filters import MAX_PARAM_LENGTH, case_filter_apply, case_filter_from_params
from layers.selectors.scope import complaints_visible_to, jurisdiction_for
from layers.selectors.systems import complaints_visible_to_system

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
SERVICE_OTHER = "other"
PAGE_SIZE_DEFAULT = 100
PAGE_SIZE_MAX = 1000
DEFAULT_DAYS = 90
MAX_REQUEST_IDS = 100
MAX_PAGE = 100_000

# Parameters of GET requests: the specification's, our paging, and area codes.
LIST_FILTERS = ("province", "district", "subdistrict", "start_date", "end_date")
LIST_OWN = ("service_request_id", "service_code", "status", "page", "page_size")
# Sent by clients, meaningless here: api_key is read by the authentication, jurisdiction_id
# names the jurisdiction of a multi-jurisdiction server (this one serves one).
ALWAYS_ALLOWED = ("api_key", "jurisdiction_id")


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _name(category: Category) -> str:
    return category.name_en if _english() and category.name_en else category.name_th


# --- Who is reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """A partner system (``partner``) or an officer (``officer``), and what they may see."""

    viewer: policy.Viewer
    partner: Partner | None = None
    officer: object = None

    def complaints(self):
        if self.partner is not None:
            return complaints_visible_to_system(self.partner)
        return complaints_visible_to(officer=self.officer)


def reader_for(*, officer=None, partner: Partner | None = None) -> Reader:
    """The reader of a request; an officer without an area and no partner is refused."""
    if partner is not None:
        return Reader(policy.PARTNER_VIEWER, partner=partner)
    if officer is None or jurisdiction_for(officer).is_empty:
        raise Forbidden(_("Send your system's api_key, or log in as an officer with an area."))
    return Reader(policy.viewer_for(officer), officer=officer)


# --- Services ----------------------------------------------------------------------------------


def _service(sub: Category | None, main: Category) -> dict:
    code = sub.code if sub is not None else SERVICE_OTHER
    words = [main.name_th, main.name_en]
    if sub is not None:
        words = [sub.name_th, sub.name_en, *words]
        description = f"{_name(main)}: {_name(sub)}"
    else:
        description = _("Anything else: write the subject in the attribute subcategory_text.")
    return policy.shape(
        policy.PUBLIC_VIEWER,
        "open311service",
        {
            "service_code": code,
            "service_name": _name(sub or main),
            "description": description,
            "metadata": True,
            "type": "realtime",
            "keywords": ", ".join(w for w in words if w),
            "group": _name(main),
        },
    )


def services_list() -> list[dict]:
    """Every active sub-category, then "other"; in the categories' order."""
    mains = Category.objects.filter(parent__isnull=True, is_active=True).order_by(
        "sort_order", "code"
    )
    subs = Category.objects.filter(parent__isnull=False, is_active=True).order_by(
        "sort_order", "code"
    )
    by_parent: dict[int, list[Category]] = {}
    for sub in subs:
        by_parent.setdefault(sub.parent_id, []).append(sub)
    services = []
    for main in mains:
        if main.is_other:
            services.append(_service(None, main))
        for sub in by_parent.get(main.pk, []):
            services.append(_service(sub, main))
    return services


def service_resolve(code: str) -> tuple[Category, Category | None]:
    """(main category, sub-category or None for "other") of a service code; NotFound."""
    if code == SERVICE_OTHER:
        main = Category.objects.filter(is_other=True, parent__isnull=True, is_active=True).first()
        if main is not None:
            return main, None
    else:
        sub = (
            Category.objects.select_related("parent")
            .filter(code=code[:40], parent__isnull=False, is_active=True)
            .first()
        )
        if sub is not None and sub.parent.is_active:
            return sub.parent, sub
    raise NotFound(
        _("There is no service %(code)s: GET services lists them.") % {"code": code[:40]},
        code="service_code",
    )


# The attributes every service takes (optional), and "other"'s required one. They map to the
# fields of intake; their values are personal data or free text, kept as intake keeps them.
@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    description: object
    other_only: bool = False


ATTRIBUTES = (
    Attribute(
        "subcategory_text",
        "string",
        lambda: _("The subject of the complaint in a few words (required for 'other')."),
        other_only=True,
    ),
    Attribute("title", "string", lambda: _("A short subject line.")),
    Attribute(
        "complainant_citizen_id",
        "string",
        lambda: _("The complainant's 13-digit citizen ID."),
    ),
    Attribute("complainant_address", "string", lambda: _("The complainant's address.")),
    Attribute("accused_name", "string", lambda: _("The person or body complained about.")),
    Attribute("accused_detail", "text", lambda: _("More about the party complained about.")),
)


def service_attributes(sub: Category | None) -> list[Attribute]:
    return [a for a in ATTRIBUTES if sub is None or not a.other_only]


def service_definition(code: str) -> dict:
    main, sub = service_resolve(code)
    attributes = [
        policy.shape(
            policy.PUBLIC_VIEWER,
            "open311attribute",
            {
                "variable": True,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.other_only,
                "datatype_description": None,
                "order": order,
                "description": str(attribute.description()),
            },
        )
        for order, attribute in enumerate(service_attributes(sub), start=1)
    ]
    return policy.shape(
        policy.PUBLIC_VIEWER,
        "open311service",
        {"service_code": sub.code if sub else SERVICE_OTHER, "attributes": attributes},
    )


# --- Service requests --------------------------------------------------------------------------


def status_notes(case: Complaint) -> str:
    """The status in words, with the result of a closed case: written by the system."""
    if case.status == Status.CLOSED and case.close_result:
        return _("%(status)s: %(result)s") % {
            "status": case.get_status_display(),
            "result": case.get_close_result_display(),
        }
    return str(case.get_status_display())


def agency_responsible(case: Complaint) -> str:
    """The office that holds the case: the level it was forwarded to, its team, or the
    district centre (an outside agency is named by kind only: its name is typed text)."""
    if case.status != Status.CLOSED and case.forwarded_to:
        if case.forwarded_to == ForwardTarget.PROVINCE:
            return _("Damrongdhama Center of province %(name)s") % {"name": case.province.name_th}
        return str(ForwardTarget(case.forwarded_to).label)
    if case.assigned_team_id:
        return case.assigned_team.name
    return _("Damrongdhama Center of district %(name)s") % {"name": case.district.name_th}


def address(case: Complaint) -> str:
    if _english():
        names = (case.subdistrict.name_en, case.district.name_en, case.province.name_en)
    else:
        names = (case.subdistrict.name_th, case.district.name_th, case.province.name_th)
    return _("Sub-district %(subdistrict)s, district %(district)s, province %(province)s") % dict(
        zip(("subdistrict", "district", "province"), names, strict=True)
    )


def _iso(value) -> str | None:
    return value.astimezone(timezone.get_default_timezone()).isoformat() if value else None


def request_json(case: Complaint, *, viewer: policy.Viewer) -> dict:
    service = case.subcategory or case.category
    return policy.shape(
        viewer,
        "open311",
        {
            "service_request_id": case.tracking_no,
            "status": "closed" if case.status == Status.CLOSED else "open",
            "status_notes": status_notes(case),
            "service_name": _name(service),
            "service_code": case.subcategory.code if case.subcategory_id else SERVICE_OTHER,
            "description": case.description,
            "agency_responsible": agency_responsible(case),
            "service_notice": None,
            "requested_datetime": _iso(case.received_at),
            "updated_datetime": _iso(case.closed_at or case.status_changed_at),
            "expected_datetime": _iso(case.due_at),
            "address": address(case),
            "address_id": case.subdistrict_id,
            "zipcode": None,
            "lat": round(case.location.y, 6),
            "long": round(case.location.x, 6),
            "media_url": None,
        },
    )


def _requests_qs(reader: Reader):
    qs = reader.complaints().select_related("category", "subcategory", "assigned_team")
    return without_geoms(qs, "subdistrict", "district", "province")


def request_get(*, reader: Reader, tracking_no: str) -> dict:
    case = _requests_qs(reader).filter(tracking_no=tracking_no[:40]).first()
    if case is None:
        raise NotFound(_("No such service request in your areas."))
    return request_json(case, viewer=reader.viewer)


@dataclass(frozen=True)
class RequestsPage:
    requests: list[dict]
    page: int
    page_size: int
    has_next: bool


def _single(params: Mapping, name: str, errors: dict) -> str | None:
    values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
    values = [v for v in values if v not in (None, "")]
    if name in ("status", "service_code", "service_request_id"):
        return ",".join(values)[: MAX_PARAM_LENGTH * 10] if values else None
    if len(values) > 1:
        errors[name] = _("Give %(name)s once.") % {"name": name}
        return None
    return values[0][:MAX_PARAM_LENGTH] if values else None


def _tracking_numbers(text: str, errors: dict) -> list[str]:
    numbers = [n.strip() for n in text.split(",") if n.strip()]
    bad = [n for n in numbers if not _looks_like_tracking_no(n)]
    if bad:
        errors["service_request_id"] = _(
            "service_request_id is a tracking number like 2569-0000123 (several: "
            "comma-separated); not %(bad)s."
        ) % {"bad": ", ".join(bad)[:60]}
    elif len(numbers) > MAX_REQUEST_IDS:
        errors["service_request_id"] = _("At most %(n)d service_request_id at a time.") % {
            "n": MAX_REQUEST_IDS
        }
    return numbers


def _looks_like_tracking_no(text: str) -> bool:
    year, sep, seq = text.partition("-")
    return bool(sep) and len(year) == 4 and year.isascii() and year.isdigit() and seq.isdigit()


def requests_list(*, reader: Reader, params: Mapping) -> RequestsPage:
    """GET requests: the reader's cases by the specification's filters, newest first."""
    errors: dict[str, str] = {}
    try:
        filters = case_filter_from_params(
            params, allowed=LIST_FILTERS, also=(*LIST_OWN, *ALWAYS_ALLOWED)
        )
    except InvalidInput as exc:
        errors.update({k: v[0] for k, v in exc.fields.items()})
        filters = None
    raw = {name: _single(params, name, errors) for name in LIST_OWN}
    ids = _tracking_numbers(raw["service_request_id"], errors) if raw["service_request_id"] else []
    statuses: tuple[str, ...] = ()
    if raw["status"]:
        wanted = {s.strip() for s in raw["status"].split(",") if s.strip()}
        if not wanted <= {"open", "closed"}:
            errors["status"] = _("status is open or closed (both: open,closed).")
        statuses = (*(OPEN_STATUSES if "open" in wanted else ()),) + (
            (Status.CLOSED,) if "closed" in wanted else ()
        )
    services: list[str] = []
    if raw["service_code"]:
        services = [c.strip() for c in raw["service_code"].split(",") if c.strip()]
        known = {s["service_code"] for s in services_list()}
        unknown = [c for c in services if c not in known]
        if unknown:
            errors["service_code"] = _(
                "Unknown service_code %(codes)s: GET services lists them."
            ) % {"codes": ", ".join(unknown)[:60]}
    page = _whole(raw["page"], "page", 1, errors)
    if page > MAX_PAGE:
        errors["page"] = _("page is at most %(max)d: narrow the dates instead.") % {"max": MAX_PAGE}
    page_size = _whole(raw["page_size"], "page_size", PAGE_SIZE_DEFAULT, errors)
    if page_size > PAGE_SIZE_MAX:
        errors["page_size"] = _("page_size is at most %(max)d.") % {"max": PAGE_SIZE_MAX}
    if errors:
        raise InvalidInput(errors)

    qs = _requests_qs(reader)
    if ids:  # "This overrides all other arguments."
        qs = qs.filter(tracking_no__in=ids)
    else:
        if filters.received_from is None and filters.received_to is None:
            qs = qs.filter(received_at__gte=timezone.now() - timedelta(days=DEFAULT_DAYS))
        qs = case_filter_apply(qs, filters)
        if statuses:
            qs = qs.filter(status__in=statuses)
        if services:
            q = Q(subcategory__code__in=[c for c in services if c != SERVICE_OTHER])
            if SERVICE_OTHER in services:
                q |= Q(category__is_other=True)
            qs = qs.filter(q)
    start = (page - 1) * page_size
    rows = list(qs.order_by("-received_at", "-id")[start : start + page_size + 1])
    return RequestsPage(
        [request_json(c, viewer=reader.viewer) for c in rows[:page_size]],
        page,
        page_size,
        len(rows) > page_size,
    )


def _whole(value: str | None, name: str, default: int, errors: dict) -> int:
    if value is None:
        return default
    try:
        return whole_number(
            value, field=name, message=_("%(name)s is a whole number from 1.") % {"name": name}
        )
    except InvalidInput as exc:
        errors.update({k: v[0] for k, v in exc.fields.items()})
        return default


def token_get(*, reader: Reader, token: str) -> dict:
    """GET tokens/<token>: the case a partner's submission became (its own, or an officer's
    in their areas)."""
    submission = (
        PartnerSubmission.objects.select_related("complaint")
        .filter(token=token[:64], complaint__in=reader.complaints())
        .first()
    )
    if submission is None or (
        reader.partner is not None and submission.partner_id != reader.partner.pk
    ):
        raise NotFound(_("No such token."))
    return policy.shape(
        reader.viewer,
        "open311receipt",
        {"service_request_id": submission.complaint.tracking_no, "token": submission.token},
    )
