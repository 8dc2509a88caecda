"""The case workflow: status changes, assignment, forwarding, notes, attachments.

Every write here:

* checks that the actor may see the case (``complaints_visible_to``: otherwise ``CaseNotFound``,
  a 404 — a case outside the jurisdiction is not revealed), then that they may act on it at all
  (``case_capacities``: otherwise ``ActionForbidden``, a 403);
* checks the version the actor saw (``StaleVersion``, a 409), then the transition table below
  (``TransitionRefused``, a 409: the case's current state refuses the action), then the actor's
  capacity for that row of the table (``ActionForbidden``, 403), then the input
  (``InvalidInput`` naming the field, a 400);
* updates the row with ``UPDATE ... WHERE id = %s AND version = %s`` and writes the history row
  in the same transaction; a concurrent change between the check and the update makes the
  update match nothing, and the whole call is refused as stale with nothing written.

Notifications (in-app and e-mail) go out only once the transaction commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from layers.errors import (
    ActionForbidden,
    CaseNotFound,
    InvalidInput,
    StaleVersion,
    TransitionRefused,
)
from layers.inputs import choice_value, decimal_value, text_value, whole_number
from layers.models import (
    Attachment,
    AttachmentKind,
    CaseNote,
    CloseResult,
    Complaint,
    ComplaintHistory,
    DuplicateDecision,
    DuplicateDecisionKind,
    ForwardTarget,
    HistoryKind,
    Status,
    Team,
)
from layers.rules import complaint_due_at
from layers.selectors.duplicates import duplicates_for_case
from layers.selectors.scope import (
    CAPACITY_DISTRICT,
    CAPACITY_HOLDER,
    CAPACITY_TEAM,
    case_capacities,
    complaints_visible_to,
)
from layers.services.notifications import (
    notify_back_at_district,
    notify_forwarded,
    notify_team_assigned,
)
from layers.services.search import case_search_refresh
from layers.services.webhooks import case_event_record

logger = logging.getLogger(__name__)


# --- The transition table --------------------------------------------------------------------

# Actions, as named in the API and the forms.
START = "start"
ASSIGN = "assign"
FORWARD = "forward"
RETURN = "return"
CLOSE = "close"
REOPEN = "reopen"
NOTE = "note"
ACTIONS = (START, ASSIGN, FORWARD, RETURN, CLOSE, REOPEN, NOTE)
# Working duplicates (issue 8). Each is one of the rows above with more to it: marking a case
# as a duplicate closes it (CLOSE's rules), unlinking reopens it (REOPEN's), dismissing a
# suggestion is recorded like a note (NOTE's).
MARK_DUPLICATE = "mark_duplicate"
UNLINK_DUPLICATE = "unlink_duplicate"
DISMISS_DUPLICATE = "dismiss_duplicate"
DUPLICATE_ACTIONS = (MARK_DUPLICATE, UNLINK_DUPLICATE, DISMISS_DUPLICATE)

D, T, H = CAPACITY_DISTRICT, CAPACITY_TEAM, CAPACITY_HOLDER


@dataclass(frozen=True)
class Transition:
    action: str
    from_status: str
    # The status after the action. ``to_status_no_team`` (when set) applies instead to a case
    # that has no team: a case sent back down or reopened goes to its team if it has one,
    # otherwise to the district centre's own queue / desk.
    to_status: str
    by: frozenset[str]
    to_status_no_team: str | None = None

    def target(self, complaint: Complaint) -> str:
        if self.to_status_no_team and complaint.assigned_team_id is None:
            return self.to_status_no_team
        return self.to_status


def _t(action, from_status, to_status, by, no_team=None):
    return Transition(action, from_status, to_status, frozenset(by), no_team)


R, A, P, F_, C = (
    Status.RECEIVED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.FORWARDED,
    Status.CLOSED,
)

# Every allowed (action, from status) pair, with who may take it. Anything not listed is refused.
# "district" = the case district's officers/chiefs, "team" = members of the assigned team,
# "holder" = whoever holds the case (the province or central level while it is forwarded up to
# them, otherwise the district); see ``layers.selectors.scope.case_capacities``.
TRANSITIONS: tuple[Transition, ...] = (
    # The district works a queue case itself; a team starts what it was given.
    _t(START, R, P, {D}),
    _t(START, A, P, {D, T}),
    # Manual (re)assignment to a team of the case's district; a reason when a team had it.
    _t(ASSIGN, R, A, {D}),
    _t(ASSIGN, A, A, {D}),
    _t(ASSIGN, P, A, {D}),
    # Forward to the province, to central, or to another agency (with its name).
    _t(FORWARD, R, F_, {D}),
    _t(FORWARD, A, F_, {D}),
    _t(FORWARD, P, F_, {D}),
    # The receiving level sends it back down: to the team if it has one, else the district queue.
    # For an agency the district itself takes it back (the agency has answered or declined).
    _t(RETURN, F_, A, {H}, no_team=R),
    # Closing needs a result and a note.
    _t(CLOSE, R, C, {D}),
    _t(CLOSE, A, C, {D, T}),
    _t(CLOSE, P, C, {D, T}),
    _t(CLOSE, F_, C, {H}),
    # Reopening needs a reason; the case goes back to the district level: to its team
    # ("assigned", to be started again) or, without a team, to the district's own desk.
    _t(REOPEN, C, A, {D, H}, no_team=P),
    # Notes change no status.
    _t(NOTE, R, R, {D}),
    _t(NOTE, A, A, {D, T}),
    _t(NOTE, P, P, {D, T}),
    _t(NOTE, F_, F_, {D, H}),
    _t(NOTE, C, C, {D, H}),
)
TRANSITION_INDEX: dict[tuple[str, str], Transition] = {
    (t.action, t.from_status): t for t in TRANSITIONS
}
assert len(TRANSITION_INDEX) == len(TRANSITIONS), "one row per (action, from status)"


def transition_for(action: str, from_status: str) -> Transition | None:
    return TRANSITION_INDEX.get((action, from_status))


def actions_available(*, complaint: Complaint, officer) -> list[str]:
    """The actions ``officer`` may take on ``complaint`` as it is now (for forms and the API)."""
    caps = case_capacities(officer, complaint)
    if not caps:
        return []
    return [
        action
        for action in ACTIONS
        if (row := transition_for(action, complaint.status)) is not None and row.by & caps
    ]


# --- Shared steps ----------------------------------------------------------------------------


def _version(expected_version) -> int:
    """The version the actor saw: a whole number of at least 1 (a JSON integer, or digits in
    a form), never ``true``, ``4.9`` or Thai digits."""
    if expected_version is None or expected_version == "":
        raise InvalidInput({"version": _("Send the version of the case you saw.")})
    return whole_number(
        expected_version,
        field="version",
        message=_("The version of the case you saw is a whole number of at least 1."),
    )


def _text(value, field: str, message: str, *, required: bool = True) -> str:
    return text_value(value, field=field, required=required, required_message=message)


def _check(*, complaint: Complaint, actor, expected_version, action: str):
    """Load the current row and run every check that does not depend on the input.

    Returns (the current case, its transition row, the version the actor saw).
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise CaseNotFound(_("No such case."))
    pk = complaint.pk if isinstance(complaint, Complaint) else complaint
    current = complaints_visible_to(officer=actor).filter(pk=pk).first()
    if current is None:
        raise CaseNotFound(_("No such case."))
    caps = case_capacities(actor, current)
    if not caps:
        raise ActionForbidden(
            _("Your role may read this case but not change it."), complaint=current
        )
    version = _version(expected_version)
    if current.version != version:
        raise StaleVersion(_stale_message(current, version), complaint=current)
    row = transition_for(action, current.status)
    if row is None:
        raise TransitionRefused(
            _("A case that is “%(status)s” cannot be given the action “%(action)s”.")
            % {"status": current.get_status_display(), "action": action_label(action)},
            complaint=current,
        )
    if not row.by & caps:
        raise ActionForbidden(
            _("You may not %(action)s this case while it is “%(status)s”.")
            % {"action": action_label(action), "status": current.get_status_display()},
            complaint=current,
        )
    return current, row, version


def _stale_message(current: Complaint, seen: int) -> str:
    return _(
        "This case was changed by someone else since you opened it (you saw version "
        "%(seen)d, it is now version %(now)d, status “%(status)s”). Nothing was saved: "
        "check the current state and try again."
    ) % {"seen": seen, "now": current.version, "status": current.get_status_display()}


def complaint_change_write(
    *,
    current: Complaint,
    version: int,
    actor,
    kind: str,
    to_status: str,
    note: str = "",
    from_value: str = "",
    to_value: str = "",
    **fields,
) -> Complaint:
    """The conditional UPDATE and its history row; refreshes and returns the case.

    Every status change goes through here: the actions below, and routing at intake
    (``layers.services.routing``). Call it inside the caller's transaction. Webhook
    subscribers' deliveries are written in it too (``layers.services.webhooks``).
    """
    now = timezone.now()
    if to_status != current.status:
        fields["status_changed_at"] = now
    updated = Complaint.objects.filter(pk=current.pk, version=version).update(
        status=to_status, version=F("version") + 1, updated_at=now, **fields
    )
    if updated != 1:
        # Someone wrote between our read and this UPDATE; the atomic block rolls back.
        fresh = Complaint.objects.get(pk=current.pk)
        raise StaleVersion(_stale_message(fresh, version), complaint=fresh)
    ComplaintHistory.objects.create(
        complaint=current,
        kind=kind,
        from_status=current.status,
        to_status=to_status,
        from_value=from_value[:200],
        to_value=to_value[:200],
        note=note,
        actor=actor,
        at=now,
    )
    current.refresh_from_db()
    # Its search words (issue 12): the note, reason or closing note just written, in this
    # same transaction.
    case_search_refresh(complaint_id=current.pk)
    # Other systems hear of it through the outbox, in this same transaction.
    case_event_record(complaint=current, kind=kind, to_status=to_status)
    # No actor: routing at intake of a case recorded without one (imports, demo data).
    logger.info("case %s: %s by officer %s", current.tracking_no, kind, getattr(actor, "pk", None))
    return current


def action_label(action: str) -> str:
    return {
        START: _("start work on"),
        ASSIGN: _("assign"),
        FORWARD: _("forward"),
        RETURN: _("send back down"),
        CLOSE: _("close"),
        REOPEN: _("reopen"),
        NOTE: _("add a note to"),
    }.get(action, action)


# --- The actions -----------------------------------------------------------------------------


@transaction.atomic
def complaint_start(*, complaint, actor, expected_version, note: str = "") -> Complaint:
    """Start work: received (district desk) or assigned (team) → in progress."""
    current, row, version = _check(
        complaint=complaint, actor=actor, expected_version=expected_version, action=START
    )
    note = _text(note, "note", "", required=False)
    return complaint_change_write(
        current=current,
        version=version,
        actor=actor,
        kind=HistoryKind.STATUS,
        to_status=row.target(current),
        note=note,
    )


@transaction.atomic
def complaint_assign(*, complaint, actor, expected_version, team, reason: str = "") -> Complaint:
    """Assign the case by hand to a team of its district (a reason is required to take it away
    from a team that had it). The team's members are told."""
    current, row, version = _check(
        complaint=complaint, actor=actor, expected_version=expected_version, action=ASSIGN
    )
    if isinstance(team, Team):
        team_id = team.pk
    elif team is None or team == "":
        team_id = None
    else:
        team_id = whole_number(team, field="team", message=_("Choose an active sub-district team."))
    team_obj = Team.objects.filter(pk=team_id, is_active=True).first() if team_id else None
    if team_obj is None:
        raise InvalidInput({"team": _("Choose an active sub-district team.")})
    if team_obj.district_id != current.district_id:
        raise InvalidInput(
            {
                "team": _("The team must belong to the case's district (%(code)s).")
                % {"code": current.district_id}
            }
        )
    previous = current.assigned_team
    if previous is not None and previous.pk == team_obj.pk and current.status == Status.ASSIGNED:
        raise InvalidInput({"team": _("The case is already assigned to this team.")})
    reason = _text(
        reason,
        "reason",
        _("Give a reason for taking the case from %(team)s.")
        % {"team": previous.name if previous else ""},
        required=previous is not None,
    )
    result = complaint_change_write(
        current=current,
        version=version,
        actor=actor,
        kind=HistoryKind.REASSIGNED if previous is not None else HistoryKind.ASSIGNED,
        to_status=row.target(current),
        note=reason,
        from_value=previous.name if previous else "",
        to_value=team_obj.name,
        assigned_team=team_obj,
    )
    notify_team_assigned(complaint=result, team=team_obj, actor=actor)
    return result


@transaction.atomic
def complaint_forward(
    *, complaint, actor, expected_version, target: str, note: str, agency: str = ""
) -> Complaint:
    """Forward to the province centre, the central level, or another agency (named)."""
    current, row, version = _check(
        complaint=complaint, actor=actor, expected_version=expected_version, action=FORWARD
    )
    target = choice_value(
        target,
        field="target",
        choices=ForwardTarget.values,
        message=_("Choose where to forward the case: province, central or agency."),
    )
    agency = _text(agency, "agency", "", required=False)
    if target == ForwardTarget.AGENCY and not agency:
        raise InvalidInput({"agency": _("Name the agency the case is forwarded to.")})
    if target != ForwardTarget.AGENCY:
        agency = ""
    note = _text(note, "note", _("Say why the case is forwarded and what is asked."))
    label = agency or ForwardTarget(target).label
    result = complaint_change_write(
        current=current,
        version=version,
        actor=actor,
        kind=HistoryKind.FORWARDED,
        to_status=row.target(current),
        note=note,
        to_value=str(label),
        forwarded_to=target,
        forwarded_agency=agency,
    )
    notify_forwarded(complaint=result, actor=actor)
    return result


@transaction.atomic
def complaint_return(*, complaint, actor, expected_version, reason: str) -> Complaint:
    """Send a forwarded case back down to the district: to its team ("assigned") or, without a
    team, to the district centre's queue ("received")."""
    current, row, version = _check(
        complaint=complaint, actor=actor, expected_version=expected_version, action=RETURN
    )
    reason = _text(reason, "reason", _("Say why the case is sent back down."))
    previous = current.forwarded_agency or current.get_forwarded_to_display()
    result = complaint_change_write(
        current=current,
        version=version,
        actor=actor,
        kind=HistoryKind.RETURNED,
        to_status=row.target(current),
        note=reason,
        from_value=str(previous),
        to_value=current.district_id,
        forwarded_to="",
        forwarded_agency="",
    )
    notify_back_at_district(complaint=result, actor=actor)
    return result


@transaction.atomic
def complaint_close(
    *, complaint, actor, expected_version, result: str, note: str, public_note: str = ""
) -> Complaint:
    """Close the case (ยุติเรื่อง) with a result and a note; ``public_note``, optional, is
    what the complainant reads on the tracking page (issue 11)."""
    current, row, version = _check(
        complaint=complaint, actor=actor, expected_version=expected_version, action=CLOSE
    )
    result = choice_value(
        result,
        field="result",
        choices=CloseResult.values,
        message=_("Choose the result: %(choices)s.") % {"choices": ", ".join(CloseResult.values)},
    )
    note = _text(note, "note", _("Write a closing note."))
    public_note = _text(public_note, "public_note", "", required=False)
    now = timezone.now()
    # forwarded_to stays: it records which level closed a forwarded case (and may reopen it).
    return complaint_change_write(
        current=current,
        version=version,
        actor=actor,
        kind=HistoryKind.CLOSED,
        to_status=row.target(current),
        note=note,
        to_value=result,
        close_result=result,
        close_note=note,
        close_note_public=public_note,
        closed_at=now,
    )


@transaction.atomic
def complaint_reopen(*, complaint, actor, expected_version, reason: str) -> Complaint:
    """Reopen a closed case: back to its team ("assigned") or the district desk ("in progress").

    The due date starts again from the reopening with the category's SLA: a reopened case is new
    work, and keeping the old date would make it overdue at once and drown the overdue list.
    The first receipt date still orders the backlog, so a long-running case stays at its top.
    """
    current, row, version = _check(
        complaint=complaint, actor=actor, expected_version=expected_version, action=REOPEN
    )
    reason = _text(reason, "reason", _("Give the reason for reopening."))
    now = timezone.now()
    result = complaint_change_write(
        current=current,
        version=version,
        actor=actor,
        kind=HistoryKind.REOPENED,
        to_status=row.target(current),
        note=reason,
        from_value=current.close_result,
        close_result="",
        close_note="",
        closed_at=None,
        forwarded_to="",
        forwarded_agency="",
        due_at=complaint_due_at(current, start=now),
        # A case closed as a duplicate is open again: no longer a duplicate of anything.
        duplicate_of=None,
    )
    notify_back_at_district(complaint=result, actor=actor)
    return result


# --- Working duplicates (issue 8) ------------------------------------------------------------


def _case_by_number(value, *, field: str) -> Complaint:
    if isinstance(value, Complaint):
        return value
    number = value.strip() if isinstance(value, str) else ""
    found = Complaint.objects.filter(tracking_no=number).first() if number else None
    if found is None:
        raise InvalidInput({field: _("No such case among the suggestions or in your area.")})
    return found


def _suggested_scores(current: Complaint) -> dict[int, float]:
    """The place candidates of ``current`` (dismissed pairs left out): id → score."""
    return {c.complaint_id: c.score for c in duplicates_for_case(complaint=current, limit=None)}


@transaction.atomic
def complaint_mark_duplicate(
    *, complaint, actor, expected_version, original, note: str = ""
) -> Complaint:
    """Close the case with the result "duplicate", pointing to ``original`` (a tracking number
    or a case): one the officer may open, or one the duplicate check suggests for this case
    (possibly outside their area: they know it by its number only). The original is not itself
    a duplicate, and no case points to this one. Closing's rules apply (who may close, in
    which status); the decision is kept for tuning the score."""
    current, row, version = _check(
        complaint=complaint, actor=actor, expected_version=expected_version, action=CLOSE
    )
    other = _case_by_number(original, field="original")
    suggested = _suggested_scores(current)
    visible = complaints_visible_to(officer=actor).filter(pk=other.pk).exists()
    if other.pk == current.pk or not (visible or other.pk in suggested):
        # Not revealed: a number outside the officer's area that was not suggested.
        raise InvalidInput({"original": _("No such case among the suggestions or in your area.")})
    if other.duplicate_of_id is not None:
        raise InvalidInput(
            {
                "original": _("%(no)s is itself a duplicate of %(of)s: choose that one.")
                % {"no": other.tracking_no, "of": other.duplicate_of.tracking_no}
            }
        )
    if Complaint.objects.filter(duplicate_of=current).exists():
        raise InvalidInput(
            {"original": _("Other cases are duplicates of this one: unlink them first.")}
        )
    note = _text(note, "note", "", required=False)
    text = _("Duplicate of %(no)s.") % {"no": other.tracking_no}
    if note:
        text = f"{text} {note}"
    result = complaint_change_write(
        current=current,
        version=version,
        actor=actor,
        kind=HistoryKind.CLOSED,
        to_status=row.target(current),
        note=text,
        to_value=CloseResult.DUPLICATE,
        close_result=CloseResult.DUPLICATE,
        close_note=text,
        closed_at=timezone.now(),
        duplicate_of=other,
    )
    DuplicateDecision.objects.create(
        case=current,
        candidate=other,
        decision=DuplicateDecisionKind.LINKED,
        score=suggested.get(other.pk, 0.0),
        decided_by=actor,
    )
    return result


@transaction.atomic
def complaint_unlink_duplicate(*, complaint, actor, expected_version, reason: str) -> Complaint:
    """A case closed as a duplicate was not one: reopen it (reopening's rules) and keep the
    decision, so the pair is not suggested again."""
    pk = complaint.pk if isinstance(complaint, Complaint) else complaint
    linked = Complaint.objects.filter(pk=pk).values_list("duplicate_of", flat=True).first()
    current, _row, _version = _check(
        complaint=complaint, actor=actor, expected_version=expected_version, action=REOPEN
    )
    if linked is None:
        raise TransitionRefused(_("This case is not marked as a duplicate."), complaint=current)
    reason = _text(reason, "reason", _("Give the reason for reopening."))
    original = Complaint.objects.get(pk=linked)
    text = _("Not a duplicate of %(no)s: %(reason)s") % {
        "no": original.tracking_no,
        "reason": reason,
    }
    result = complaint_reopen(
        complaint=current, actor=actor, expected_version=expected_version, reason=text
    )
    DuplicateDecision.objects.create(
        case=current,
        candidate=original,
        decision=DuplicateDecisionKind.DISMISSED,
        score=0.0,
        decided_by=actor,
    )
    return result


@transaction.atomic
def duplicate_dismiss(*, complaint, actor, expected_version, candidate) -> Complaint:
    """A suggested duplicate is another matter: not suggested again for this pair (either way
    round). Recorded in the case's history like a note (who may add a note may dismiss)."""
    current, _row, version = _check(
        complaint=complaint, actor=actor, expected_version=expected_version, action=NOTE
    )
    other = _case_by_number(candidate, field="candidate")
    suggested = _suggested_scores(current)
    if other.pk not in suggested:
        raise InvalidInput({"candidate": _("This case is not among the suggested duplicates.")})
    DuplicateDecision.objects.create(
        case=current,
        candidate=other,
        decision=DuplicateDecisionKind.DISMISSED,
        score=suggested[other.pk],
        decided_by=actor,
    )
    return complaint_change_write(
        current=current,
        version=version,
        actor=actor,
        kind=HistoryKind.DUPLICATE_DISMISSED,
        to_status=current.status,
        to_value=other.tracking_no,
    )


# --- Notes and attachments -------------------------------------------------------------------


# Leading bytes of each accepted type. The name and the browser's content type are not trusted.
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg", AttachmentKind.PHOTO),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png", AttachmentKind.PHOTO),
    (b"%PDF-", "application/pdf", ".pdf", AttachmentKind.DOCUMENT),
)


@dataclass(frozen=True)
class CheckedFile:
    file: object
    original_name: str
    content_type: str
    extension: str
    kind: str
    size: int


def _sniff(head: bytes):
    for magic, content_type, ext, kind in _SIGNATURES:
        if head.startswith(magic):
            return content_type, ext, kind
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp", AttachmentKind.PHOTO
    return None


def attachments_validate(files) -> list[CheckedFile]:
    """Check uploaded files by content (JPEG, PNG, WebP, PDF) and size; nothing is written.

    Raises ``InvalidInput({"files": ...})`` naming the first bad file.
    """
    files = [f for f in (files or ()) if f is not None]
    max_files = settings.ATTACHMENT_MAX_FILES
    if len(files) > max_files:
        raise InvalidInput({"files": _("At most %(n)d files at a time.") % {"n": max_files}})
    limit = settings.ATTACHMENT_MAX_BYTES
    checked = []
    for f in files:
        name = Path(getattr(f, "name", "") or "file").name[:200]
        size = getattr(f, "size", None)
        if size is None:
            f.seek(0, 2)
            size = f.tell()
        if size > limit:
            raise InvalidInput(
                {
                    "files": _("“%(name)s” is %(size).1f MB; the limit is %(limit).1f MB per file.")
                    % {"name": name, "size": size / 1048576, "limit": limit / 1048576}
                }
            )
        if size == 0:
            raise InvalidInput({"files": _("“%(name)s” is empty.") % {"name": name}})
        f.seek(0)
        head = f.read(16)
        f.seek(0)
        sniffed = _sniff(head)
        if sniffed is None:
            raise InvalidInput(
                {
                    "files": _(
                        "“%(name)s” is not a JPEG, PNG or WebP photo or a PDF document "
                        "(checked by its content, not its name)."
                    )
                    % {"name": name}
                }
            )
        content_type, ext, kind = sniffed
        checked.append(CheckedFile(f, name, content_type, ext, kind, size))
    return checked


def _attachments_save(*, complaint, checked: list[CheckedFile], actor, note, saved: list[str]):
    for item in checked:
        attachment = Attachment(
            complaint=complaint,
            note=note,
            kind=item.kind,
            original_name=item.original_name,
            content_type=item.content_type,
            size_bytes=item.size,
            uploaded_by=actor,
        )
        # The stored name takes the extension of the detected type, not the uploaded name's.
        # It is recorded before writing: a write that fails half-way leaves a partial file.
        field = attachment.file.field
        name = field.storage.get_available_name(
            field.generate_filename(attachment, f"upload{item.extension}")
        )
        saved.append(name)
        item.file.seek(0)
        stored = field.storage.save(name, item.file, max_length=field.max_length)
        if stored != name:
            saved.append(stored)
        attachment.file.name = stored
        attachment.save()


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not remove an orphan attachment file")


def attachments_create(*, complaint: Complaint, files, actor, note: CaseNote | None = None):
    """Attach files to a case the caller has already checked access to (e.g. at intake).

    Validates all files first (nothing written when one is bad). Files written to disk are
    removed again if the surrounding transaction fails before this returns. Call it inside the
    caller's transaction.
    """
    checked = attachments_validate(files)
    saved: list[str] = []
    try:
        with transaction.atomic():
            _attachments_save(
                complaint=complaint, checked=checked, actor=actor, note=note, saved=saved
            )
    except BaseException:
        _delete_files(saved)
        raise
    return saved


def complaint_add_note(
    *,
    complaint,
    actor,
    expected_version,
    text: str,
    visit_location: Point | None = None,
    visit_accuracy_m: float | None = None,
    files=(),
) -> Complaint:
    """A progress note, with the GPS position of the visit and photos or documents if any.

    Everything or nothing: a bad file, position or text refuses the whole note, and no file is
    left on disk.
    """
    saved: list[str] = []
    try:
        return _add_note(
            complaint=complaint,
            actor=actor,
            expected_version=expected_version,
            text=text,
            visit_location=visit_location,
            visit_accuracy_m=visit_accuracy_m,
            files=files,
            saved=saved,
        )
    except BaseException:
        _delete_files(saved)
        raise


@transaction.atomic
def _add_note(
    *, complaint, actor, expected_version, text, visit_location, visit_accuracy_m, files, saved
) -> Complaint:
    current, row, version = _check(
        complaint=complaint, actor=actor, expected_version=expected_version, action=NOTE
    )
    text = _text(text, "text", _("Write the note."))
    location = _visit_location(visit_location)
    accuracy = _accuracy(visit_accuracy_m)
    if accuracy is not None and location is None:
        raise InvalidInput({"visit_location": _("A GPS accuracy was given without a position.")})
    checked = attachments_validate(files)
    result = complaint_change_write(
        current=current,
        version=version,
        actor=actor,
        kind=HistoryKind.NOTE,
        to_status=row.target(current),
        note=text,
        to_value=(_("%(n)d file(s)") % {"n": len(checked)}) if checked else "",
    )
    note = CaseNote.objects.create(
        complaint=result,
        author=actor,
        text=text,
        visit_location=location,
        visit_accuracy_m=accuracy,
    )
    _attachments_save(complaint=result, checked=checked, actor=actor, note=note, saved=saved)
    return result


def _visit_location(value) -> Point | None:
    if value is None or value == "":
        return None
    if not isinstance(value, Point):
        raise InvalidInput({"visit_location": _("The visit position must be a point.")})
    point = value if value.srid in (None, 4326) else value.transform(4326, clone=True)
    lon, lat = point.x, point.y
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or lon != lon or lat != lat:
        raise InvalidInput(
            {"visit_location": _("The visit position is not a valid latitude/longitude.")}
        )
    return Point(lon, lat, srid=4326)


def _accuracy(value) -> float | None:
    if value is None or value == "":
        return None
    try:
        return decimal_value(value, field="visit_accuracy_m", low=0, high=99_999)
    except InvalidInput:
        raise InvalidInput(
            {"visit_accuracy_m": _("GPS accuracy must be a number of metres (0 or more).")}
        ) from None


# --- One entry point for adapters (API, pages) -----------------------------------------------


def complaint_act(*, complaint, actor, action: str, expected_version, data, files=()) -> Complaint:
    """Dispatch an action named in a request to its service, with the request's fields.

    ``data`` is a mapping (a QueryDict or a JSON object). Used by ``api/cases.py`` and the case
    page so that both accept the same fields: ``note``, ``reason``, ``team``, ``target``,
    ``agency``, ``result``, ``public_note``, ``text``, ``visit_lat``, ``visit_lon``, ``visit_accuracy_m``.
    """
    common = dict(complaint=complaint, actor=actor, expected_version=expected_version)
    get = data.get
    if action == START:
        return complaint_start(**common, note=get("note", ""))
    if action == ASSIGN:
        return complaint_assign(**common, team=get("team"), reason=get("reason", ""))
    if action == FORWARD:
        return complaint_forward(
            **common,
            target=get("target", ""),
            agency=get("agency", ""),
            note=get("note", ""),
        )
    if action == RETURN:
        return complaint_return(**common, reason=get("reason", ""))
    if action == CLOSE:
        return complaint_close(
            **common,
            result=get("result", ""),
            note=get("note", ""),
            public_note=get("public_note", ""),
        )
    if action == REOPEN:
        return complaint_reopen(**common, reason=get("reason", ""))
    if action == MARK_DUPLICATE:
        return complaint_mark_duplicate(
            **common, original=get("original", ""), note=get("note", "")
        )
    if action == UNLINK_DUPLICATE:
        return complaint_unlink_duplicate(**common, reason=get("reason", ""))
    if action == DISMISS_DUPLICATE:
        return duplicate_dismiss(**common, candidate=get("candidate", ""))
    if action == NOTE:
        return complaint_add_note(
            **common,
            text=get("text", "") or get("note", ""),
            visit_location=_point_from(get("visit_lat"), get("visit_lon")),
            visit_accuracy_m=get("visit_accuracy_m"),
            files=files,
        )
    raise InvalidInput(
        {
            "action": _("Unknown action; use one of: %(actions)s.")
            % {"actions": ", ".join(ACTIONS + DUPLICATE_ACTIONS)}
        }
    )


def _point_from(lat, lon) -> Point | None:
    if (lat in (None, "")) and (lon in (None, "")):
        return None
    if lat in (None, "") or lon in (None, ""):
        raise InvalidInput({"visit_location": _("Give both visit_lat and visit_lon as numbers.")})
    try:
        lat_f = decimal_value(lat, field="visit_location", low=-90, high=90)
        lon_f = decimal_value(lon, field="visit_location", low=-180, high=180)
    except InvalidInput:
        raise InvalidInput(
            {"visit_location": _("The visit position is not a valid latitude/longitude.")}
        ) from None
    return Point(lon_f, lat_f, srid=4326)
