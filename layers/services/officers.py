"""Writing officers: issued passwords, the profile, and the registration form's life cycle.

A registration (the department's แบบลงทะเบียนใช้งาน, seed 001) is submitted by anyone, then
certified by the district chief (district level) or the province officer (province level).
Approval creates the account with an issued first password that the officer must change at
the first login (``layers.middleware``). A transfer or a change of duty is a new registration
of a person who may already have an account: approval then updates that account and adds the
role instead of failing.

The anti-corruption channel's permission form (seed 000) comes through the same form with its
own levels (``PermissionLevel.AC_*``): approval grants the role through ``assign_ac_role``, so
that the limits of the form hold (two coordinators per province, one reporter per district); a
refusal (``Conflict``) rolls the whole approval back, the account included.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from layers.models import (
    AC_LEVEL_ROLES,
    Officer,
    PermissionLevel,
    RegistrationRequest,
    Role,
    RoleAssignment,
)
from layers.selectors.officers import registration_can_decide
from layers.services.lockouts import account_failures_forget
from layers.services.mail import mail_send
from layers.validators import normalize_citizen_id

logger = logging.getLogger(__name__)

# No 0/O, 1/l/I: the approver may read the password out over the phone.
_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
ISSUED_PASSWORD_LENGTH = 12


class RegistrationAlreadyDecided(ValidationError):
    """The request was approved or rejected already (a second click, a second approver)."""


def password_generate() -> str:
    """A random issued password with at least one letter and one digit.

    >>> len(password_generate()) == ISSUED_PASSWORD_LENGTH
    True
    """
    while True:
        value = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(ISSUED_PASSWORD_LENGTH))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


@transaction.atomic
def officer_issue_password(*, officer: Officer) -> str:
    """Give the officer a new random password that must be changed at the next login.

    Returns the password: the caller shows it once and never stores it.
    """
    password = password_generate()
    officer.set_password(password)
    officer.must_change_password = True
    officer.save(update_fields=["password", "must_change_password"])
    return password


@transaction.atomic
def officer_password_change(*, officer: Officer, new_password: str) -> Officer:
    """Set the officer's own new password; this lifts the first-login lock."""
    if officer.check_password(new_password):
        raise ValidationError(
            {"new_password1": _("The new password must differ from the current one.")}
        )
    officer.set_password(new_password)
    officer.must_change_password = False
    officer.save(update_fields=["password", "must_change_password"])
    return officer


@transaction.atomic
def officer_password_reset(*, officer: Officer, new_password: str) -> Officer:
    """Set the password chosen through a reset link (the officer proved they hold the mailbox):
    it lifts the first-login lock and forgets the account's counted login failures."""
    officer.set_password(new_password)
    officer.must_change_password = False
    officer.save(update_fields=["password", "must_change_password"])
    account_failures_forget(officer=officer)
    return officer


@transaction.atomic
def officer_profile_update(
    *, officer: Officer, phone_office: str, phone_mobile: str, email: str
) -> Officer:
    """The fields an officer may change on their own profile (the rest comes from approval)."""
    officer.phone_office = (phone_office or "").strip()
    officer.phone_mobile = (phone_mobile or "").strip()
    officer.email = (email or "").strip()
    fields = ["phone_office", "phone_mobile", "email"]
    officer.full_clean(exclude=[f.name for f in Officer._meta.fields if f.name not in fields])
    officer.save(update_fields=fields)
    return officer


_REGISTRATION_FIELDS = (
    "citizen_id",
    "title",
    "first_name",
    "last_name",
    "position",
    "level",
    "unit",
    "province",
    "district",
    "permission_level",
    "phone_office",
    "phone_mobile",
    "email",
    "date_assigned",
)


def registration_validate(*, request: RegistrationRequest) -> None:
    """The form's rules across fields, as a ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    if (
        request.district_id
        and request.province_id
        and request.district.province_id != (request.province_id)
    ):
        errors.setdefault("district", []).append(
            _("The district %(district)s is not in the province %(province)s.")
            % {"district": request.district.name_th, "province": request.province.name_th}
        )
    if request.permission_level == PermissionLevel.DISTRICT and not request.district_id:
        errors.setdefault("district", []).append(
            _("A district-level user must name their district.")
        )
    if request.permission_level == PermissionLevel.AC_REPORTER and not request.district_id:
        errors.setdefault("district", []).append(
            _("A district reporter of the anti-corruption channel must name their district.")
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def registration_submit(**fields) -> RegistrationRequest:
    """Record a registration request (public: no login needed).

    Keyword arguments are the form's fields (see ``_REGISTRATION_FIELDS``); ``province`` and
    ``district`` are model instances or None.
    """
    unknown = set(fields) - set(_REGISTRATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown registration fields: {sorted(unknown)}")
    fields["citizen_id"] = normalize_citizen_id(fields.get("citizen_id", ""))
    request = RegistrationRequest(**fields)
    request.full_clean(exclude=["status", "decided_by", "decided_at", "officer"])
    registration_validate(request=request)
    duplicate = RegistrationRequest.objects.filter(
        citizen_id=request.citizen_id,
        permission_level=request.permission_level,
        province_id=request.province_id,
        district_id=request.district_id,
        status=RegistrationRequest.Status.PENDING,
    ).exists()
    if duplicate:
        raise ValidationError(
            _(
                "A request for this citizen ID and this area is already waiting for approval; "
                "please ask your approver to decide it."
            ),
            code="duplicate",
        )
    request.save()
    return request


@dataclass(frozen=True)
class ApprovalResult:
    officer: Officer
    # The issued first password, to show the approver once; None when an existing active
    # account was updated (the officer keeps their own password).
    password: str | None
    created: bool
    email_queued: bool


def _lock_pending(request: RegistrationRequest, approver: Officer) -> RegistrationRequest:
    """Re-read the request under a row lock, so two approvers cannot both decide it."""
    locked = RegistrationRequest.objects.select_for_update().get(pk=request.pk)
    if not registration_can_decide(officer=approver, request=locked):
        raise PermissionDenied(_("This request is outside the area you may approve."))
    if locked.status != RegistrationRequest.Status.PENDING:
        raise RegistrationAlreadyDecided(
            _("This request was already decided (%(status)s).")
            % {"status": locked.get_status_display()},
            code="already_decided",
        )
    if normalize_citizen_id(locked.citizen_id) == approver.citizen_id:
        raise PermissionDenied(_("You cannot decide your own registration request."))
    return locked


def _role_for(request: RegistrationRequest) -> dict:
    if request.permission_level == PermissionLevel.DISTRICT:
        return {
            "role": Role.DISTRICT_OFFICER,
            "province_id": request.province_id,
            "district_id": request.district_id,
        }
    return {"role": Role.PROVINCE_OFFICER, "province_id": request.province_id, "district_id": None}


def _grant_ac_role(request: RegistrationRequest, officer: Officer) -> None:
    """The anti-corruption role of the request, through ``assign_ac_role`` (the form's limits).

    Its ``Conflict`` (a third coordinator, a second reporter) propagates: the caller's
    transaction is rolled back, so the account made for the approval is not kept either."""
    from layers.services.anticorruption import assign_ac_role

    role = AC_LEVEL_ROLES[request.permission_level]
    assign_ac_role(
        officer=officer,
        role=role,
        province=request.province_id if role == Role.AC_COORDINATOR else None,
        district=request.district_id if role == Role.AC_REPORTER else None,
        assigned_on=request.date_assigned,
    )


def _queue_password_mail(*, officer: Officer, password: str, reference: str) -> bool:
    # In the site's language (Thai), whatever language the approver's page is in. Queued in
    # the approval's transaction, sealed in the job row (layers.services.mail): a rolled-back
    # approval mails out no password, and the job row never shows it.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Damrong GIS: your account")
        message = _(
            "Your registration was approved.\n\n"
            "User name: your 13-digit citizen ID (%(masked)s)\n"
            "First password: %(password)s\n\n"
            "You must change this password at your first login."
        ) % {"masked": officer.masked_citizen_id, "password": password}
    return mail_send(subject=subject, body=message, officers=[officer], reference=reference) > 0


@transaction.atomic
def registration_approve(*, request: RegistrationRequest, approver: Officer) -> ApprovalResult:
    """Approve a pending request: create (or update) the officer and grant the role.

    Raises PermissionDenied outside the approver's area and RegistrationAlreadyDecided when
    the request is no longer pending. The issued password is returned, never stored in clear.
    """
    locked = _lock_pending(request, approver)
    profile = {
        "title": locked.title,
        "first_name": locked.first_name,
        "last_name": locked.last_name,
        "position": locked.position,
        "level": locked.level,
        "unit": locked.unit,
        "phone_office": locked.phone_office,
        "phone_mobile": locked.phone_mobile,
    }
    officer = Officer.objects.select_for_update().filter(citizen_id=locked.citizen_id).first()
    created = officer is None
    password = None
    if created:
        password = password_generate()
        officer = Officer.objects.create_user(
            locked.citizen_id,
            password,
            email=locked.email,
            must_change_password=True,
            **profile,
        )
    else:
        for name, value in profile.items():
            if value:
                setattr(officer, name, value)
        if locked.email:
            officer.email = locked.email
        if not officer.is_active or not officer.has_usable_password():
            # A deactivated account (someone who left and came back) gets a fresh issued
            # password: whoever knew the old one should not walk back in with it.
            password = password_generate()
            officer.set_password(password)
            officer.must_change_password = True
            officer.is_active = True
        officer.save()
    if locked.permission_level in AC_LEVEL_ROLES:
        _grant_ac_role(locked, officer)
    else:
        role = _role_for(locked)
        assignment, made = RoleAssignment.objects.get_or_create(
            officer=officer,
            **role,
            defaults={"assigned_on": locked.date_assigned, "is_active": True},
        )
        if not made:
            assignment.is_active = True
            assignment.assigned_on = locked.date_assigned
            assignment.save(update_fields=["is_active", "assigned_on"])
    locked.status = RegistrationRequest.Status.APPROVED
    locked.decided_by = approver
    locked.decided_at = timezone.now()
    locked.officer = officer
    locked.save(update_fields=["status", "decided_by", "decided_at", "officer"])
    # Refresh the caller's copy so a page rendered from it shows the decision.
    request.status, request.decided_by, request.decided_at, request.officer = (
        locked.status,
        approver,
        locked.decided_at,
        officer,
    )
    email_queued = bool(password) and _queue_password_mail(
        officer=officer, password=password, reference=f"registration {locked.pk}"
    )
    logger.info("registration %s approved (officer %s)", locked.pk, officer.pk)
    return ApprovalResult(
        officer=officer, password=password, created=created, email_queued=email_queued
    )


@transaction.atomic
def registration_reject(
    *, request: RegistrationRequest, approver: Officer, note: str
) -> RegistrationRequest:
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            {"decision_note": _("Say why the request is rejected, so the applicant can fix it.")}
        )
    locked = _lock_pending(request, approver)
    locked.status = RegistrationRequest.Status.REJECTED
    locked.decided_by = approver
    locked.decided_at = timezone.now()
    locked.decision_note = note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    logger.info("registration %s rejected", locked.pk)
    return locked
