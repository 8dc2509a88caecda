"""Open311 GeoReport v2, write side: partner keys, and filing a case (``POST requests``).

A partner system is registered by an administrator, who issues its ``api_key`` (shown once:
only its SHA-256 is kept) and may revoke it, let it expire, or deactivate the partner. A case
filed through Open311 goes through intake's own service (``complaint_create``: the same
checks, area look-up, numbering, routing and events) with the channel ``online`` (the
complainant came through another office's online system); the partner that filed it is
recorded beside it (``PartnerSubmission``). A partner files only inside its areas. An officer
may file through Open311 too, as on the intake form (an intake role is required).

What the specification's POST carries, and where it goes: ``first_name``/``last_name`` → the
complainant's name (required), ``phone`` → their phone, ``description`` (required),
``address_string`` → the place description, ``lat``/``long`` → the incident point (required:
the case is routed by it), ``attribute[<code>]`` → the service definition's attributes.
``email``, ``device_id`` and ``account_id`` are accepted and not kept (no field holds them;
personal data not needed is not stored). ``media_url`` and ``address_id`` are refused when
given: a file is not fetched from another server, and an address id without a point cannot be
routed.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from boundaries.selectors import area_for_point
from layers.errors import Forbidden, InvalidInput, NotAuthenticated
from layers.models import Channel, Complaint, Partner, PartnerSubmission
from layers.selectors.open311 import service_attributes, service_resolve
from layers.selectors.systems import system_covers
from layers.services.complaints import complaint_create, parse_point

logger = logging.getLogger(__name__)

KEY_PREFIX_HEX = 8
# last_used_at is written at most this often (not on every request).
LAST_USED_PRECISION = timedelta(minutes=1)


# --- Keys --------------------------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def partner_key_issue(*, partner: Partner) -> str:
    """A new api_key for the partner (the previous one stops working); returned once."""
    prefix = secrets.token_hex(KEY_PREFIX_HEX // 2)
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    partner.key_prefix = prefix
    partner.key_hash = _key_hash(key)
    partner.key_issued_at = timezone.now()
    partner.save(update_fields=["key_prefix", "key_hash", "key_issued_at"])
    logger.info("api key issued for partner %s", partner.pk)
    return key


@transaction.atomic
def partner_key_revoke(*, partner: Partner) -> None:
    partner.key_prefix = None
    partner.key_hash = ""
    partner.save(update_fields=["key_prefix", "key_hash"])
    logger.info("api key revoked for partner %s", partner.pk)


def _invalid_key() -> Forbidden:
    return Forbidden(
        _("Invalid api_key: it is unknown, revoked or expired. Ask the administrator."),
        code="invalid_api_key",
    )


def partner_authenticate(*, key) -> Partner:
    """The active partner whose unexpired key this is; ``Forbidden`` (403, as Open311 says)
    otherwise. Compared in constant time; the key itself is never logged."""
    if not isinstance(key, str) or not key.strip():
        raise NotAuthenticated(_("Send your system's api_key."))
    prefix, _dot, _secret = key.strip().partition(".")
    partner = Partner.objects.filter(key_prefix=prefix[:16]).first() if _dot else None
    if partner is None or not constant_time_compare(partner.key_hash, _key_hash(key.strip())):
        raise _invalid_key()
    now = timezone.now()
    if not partner.is_active or (partner.expires_at is not None and partner.expires_at <= now):
        raise _invalid_key()
    if partner.last_used_at is None or now - partner.last_used_at > LAST_USED_PRECISION:
        Partner.objects.filter(pk=partner.pk).update(last_used_at=now)
        partner.last_used_at = now
    return partner


# --- Filing a case -----------------------------------------------------------------------------

FIELDS = (
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
    "attribute",
)
# complaint_create's field → the Open311 parameter that carried it (for error messages).
_PARAM_OF = {
    "complainant_name": "first_name",
    "complainant_phone": "phone",
    "location": "lat",
    "location_note": "address_string",
    "category": "service_code",
    "subcategory": "service_code",
}


def _read(data: Mapping) -> tuple[dict, dict, dict]:
    """(parameters, attributes, errors) from a form (``attribute[code]=value``) or a JSON
    object (``"attribute": {"code": value}``)."""
    params: dict = {}
    attributes: dict = {}
    errors: dict = {}
    if not hasattr(data, "keys"):
        raise InvalidInput(_("Send the request as a form (or a JSON object) of its parameters."))
    for key in data.keys():
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        if key.startswith("attribute[") and key.endswith("]"):
            code = key[len("attribute[") : -1]
            if len(values) != 1 or code.endswith("]["):
                errors[key[:60]] = _("Each attribute takes one value.")
                continue
            attributes[code] = values[0]
        elif key == "attribute":
            if len(values) != 1 or not isinstance(values[0], dict):
                errors[key] = _("attribute is an object of the service's attribute codes.")
                continue
            attributes.update(values[0])
        elif key in FIELDS:
            if len(values) != 1:
                errors[key] = _("Give %(name)s once.") % {"name": key}
                continue
            params[key] = values[0]
        else:
            errors[key[:60]] = _(
                "Unknown parameter: GeoReport v2's POST requests does not take it."
            )
    return params, attributes, errors


def _given(value) -> bool:
    return value not in (None, "")


@transaction.atomic
def open311_request_create(
    *, data: Mapping, partner: Partner | None = None, officer=None
) -> tuple[Complaint, PartnerSubmission | None]:
    """File a case from an Open311 POST. ``InvalidInput`` names the Open311 parameters that
    are wrong (nothing written); ``NotFound`` for an unknown service; ``Forbidden`` for a
    point outside the partner's areas (or an officer without an intake role)."""
    if partner is None and officer is None:
        raise NotAuthenticated(_("Send your system's api_key."))
    params, attributes, errors = _read(data)
    code = params.get("service_code")
    if not isinstance(code, str) or not code.strip():
        errors["service_code"] = _("service_code is required: GET services lists them.")
        raise InvalidInput(errors)
    main, sub = service_resolve(code.strip())  # NotFound (404) for an unknown one
    allowed = {a.code for a in service_attributes(sub)}
    for name in attributes:
        if name not in allowed:
            errors[f"attribute[{name[:40]}]"] = _(
                "Service %(service)s has no attribute %(name)s: GET services/%(service)s lists "
                "them."
            ) % {"service": code.strip()[:40], "name": name[:40]}
    for name in ("media_url", "address_id"):
        if _given(params.get(name)):
            errors[name] = (
                _("media_url is not accepted: files are not fetched from other servers.")
                if name == "media_url"
                else _("address_id is not used here: send lat and long.")
            )
    if not (_given(params.get("lat")) and _given(params.get("long"))):
        errors["lat"] = _("Send lat and long (WGS 84): the case is routed by its point.")
    names = [params.get("first_name"), params.get("last_name")]
    if any(n is not None and not isinstance(n, str) for n in names):
        errors["first_name"] = _("Send text for this field (not a number, object or list).")
        names = ["", ""]
    if errors:
        raise InvalidInput(errors)
    try:
        point = parse_point(lat=params["lat"], lon=params["long"])
    except InvalidInput as exc:
        raise InvalidInput(
            {("long" if k == "lon" else k): v for k, v in exc.fields.items()}
        ) from None
    if partner is not None:
        match = area_for_point(point=point)
        if match.inside and not system_covers(
            partner,
            province=match.province_code,
            district=match.district_code,
            subdistrict=match.subdistrict_code,
        ):
            raise Forbidden(
                _(
                    "This point (%(lat).5f, %(lon).5f) is outside the areas your system is "
                    "registered for."
                )
                % {"lat": point.y, "lon": point.x},
                code="outside_areas",
            )
    text = {name: attributes.get(name, "") for name in allowed}
    try:
        complaint = complaint_create(
            location=point,
            category=main,
            subcategory=sub,
            subcategory_text=text.get("subcategory_text", "") if sub is None else "",
            channel=Channel.ONLINE,
            complainant_name=" ".join(n.strip() for n in names if n and n.strip()),
            complainant_citizen_id=text.get("complainant_citizen_id", ""),
            complainant_phone=params.get("phone") or "",
            complainant_address=text.get("complainant_address", ""),
            accused_name=text.get("accused_name", ""),
            accused_detail=text.get("accused_detail", ""),
            title=text.get("title", ""),
            description=params.get("description"),
            location_note=params.get("address_string") or "",
            created_by=officer if partner is None else None,
        )
    except InvalidInput as exc:
        raise InvalidInput(
            {
                _PARAM_OF.get(k, f"attribute[{k}]" if k in allowed else k): v
                for k, v in exc.fields.items()
            }
        ) from None
    submission = None
    if partner is not None:
        submission = PartnerSubmission.objects.create(
            partner=partner, complaint=complaint, token=secrets.token_urlsafe(16)
        )
        logger.info("case %s filed by partner %s", complaint.tracking_no, partner.pk)
    return complaint, submission
