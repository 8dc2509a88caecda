"""Closing the backlog in one act (issue 12): many open cases, chosen by filters or by a list
of tracking numbers, closed with one result and one note.

Each case goes through the workflow's own ``complaint_close`` — the same checks of
jurisdiction, capacity, version and transition as one case closed by hand, and its own history
row — inside one transaction for the whole act: a case the officer may not close is reported
and left as it was (its savepoint rolled back), the others close together.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import transaction
from django.utils.translation import gettext as _

from layers.errors import Forbidden, InvalidInput, WorkflowError
from layers.inputs import choice_value, text_value
from layers.models import OPEN_STATUSES, CloseResult, Role
from layers.selectors.scope import complaints_visible_to, jurisdiction_for
from layers.services.workflow import complaint_close
from layers.thaidate import BANGKOK

logger = logging.getLogger(__name__)

# The most cases one act closes (a district's backlog comes in a few acts at most).
BULK_CLOSE_MAX = 2000
MAX_LIST_BYTES = 5 * 1024 * 1024
TRACKING_NO = re.compile(r"(?<![0-9])([0-9]{4})-([0-9]{7})(?![0-9])")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
CLOSING_ROLES = {
    Role.DISTRICT_OFFICER,
    Role.DISTRICT_CHIEF,
    Role.PROVINCE_OFFICER,
    Role.CENTRAL_OFFICER,
}


def may_close_backlog(officer) -> bool:
    """District officers and chiefs, province and central officers: the roles that close."""
    return bool(jurisdiction_for(officer).roles & CLOSING_ROLES)


def tracking_numbers_in(text: str) -> list[str]:
    """Every tracking number in a text (Thai digits read as Arabic), in order, once each.

    >>> tracking_numbers_in("๒๕๖๕-๐๐๐๐๐๑๒, 2565-0000013 x 2565-0000012")
    ['2565-0000012', '2565-0000013']
    """
    seen: dict[str, None] = {}
    for match in TRACKING_NO.finditer(text.translate(_THAI_DIGITS)):
        seen.setdefault(f"{match[1]}-{match[2]}", None)
    return list(seen)


def tracking_numbers_from_file(upload) -> list[str]:
    """The tracking numbers of an uploaded list: XLSX (every cell of the first sheet), CSV or
    plain text (UTF-8 or cp874)."""
    if upload.size > MAX_LIST_BYTES:
        raise InvalidInput({"numbers_file": _("The list is larger than 5 MB.")})
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if head == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(upload, read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 — any unreadable workbook is the same answer
            raise InvalidInput({"numbers_file": _("The file cannot be read as XLSX.")}) from None
        parts = []
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            parts.append(" ".join(str(v) for v in row if v is not None))
        workbook.close()
        return tracking_numbers_in("\n".join(parts))
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp874", errors="replace")
    # A CSV is text too: its cells are searched like lines.
    text = "\n".join(" ".join(row) for row in csv.reader(io.StringIO(text)))
    return tracking_numbers_in(text)


@dataclass(frozen=True)
class BacklogFilter:
    district: str = ""
    category: int | None = None
    received_before: date | None = None
    statuses: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (
            self.district or self.category or self.received_before or self.statuses or self.numbers
        )


def backlog_selection(*, officer, selection: BacklogFilter):
    """The open cases of the officer's jurisdiction the filter selects, oldest first."""
    qs = complaints_visible_to(officer=officer).filter(status__in=OPEN_STATUSES)
    if selection.district:
        qs = qs.filter(district_id=selection.district)
    if selection.category:
        qs = qs.filter(category_id=selection.category)
    if selection.received_before:
        end = datetime.combine(selection.received_before, time(0), tzinfo=BANGKOK)
        qs = qs.filter(received_at__lt=end)
    if selection.statuses:
        qs = qs.filter(status__in=selection.statuses)
    if selection.numbers:
        qs = qs.filter(tracking_no__in=selection.numbers)
    return qs.order_by("received_at", "pk")


@dataclass
class BulkCloseResult:
    closed: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def bulk_close(
    *, officer, selection: BacklogFilter, result, note, expected_count
) -> BulkCloseResult:
    """Close every selected case with ``result`` and ``note``. ``expected_count`` is the number
    the officer saw in the preview: a selection that changed since is refused (nothing
    written) so that nobody closes cases they did not see counted."""
    if not may_close_backlog(officer):
        raise Forbidden(_("Only district, province and central officers close cases."))
    errors = {}
    try:
        result = choice_value(
            result,
            field="result",
            choices=CloseResult.values,
            message=_("Choose the result."),
        )
    except InvalidInput as exc:
        errors.update({k: v[0] for k, v in exc.fields.items()})
    try:
        note = text_value(
            note, field="note", required=True, required_message=_("Write a closing note.")
        )
    except InvalidInput as exc:
        errors.update({k: v[0] for k, v in exc.fields.items()})
    if selection.empty:
        errors["selection"] = _("Choose the cases: filters or a list of tracking numbers.")
    if errors:
        raise InvalidInput(errors)
    cases = list(
        backlog_selection(officer=officer, selection=selection).only(
            "pk", "tracking_no", "version"
        )[: BULK_CLOSE_MAX + 1]
    )
    if len(cases) > BULK_CLOSE_MAX:
        raise InvalidInput(
            {
                "selection": _("At most %(n)d cases in one act: narrow the selection.")
                % {"n": BULK_CLOSE_MAX}
            }
        )
    if str(expected_count) != str(len(cases)):
        raise InvalidInput(
            {
                "confirm": _(
                    "The selection now holds %(n)d cases, not the %(seen)s you confirmed: "
                    "check the list and confirm again."
                )
                % {"n": len(cases), "seen": expected_count}
            }
        )
    if not cases:
        raise InvalidInput({"selection": _("No open case of your area matches.")})
    answer = BulkCloseResult()
    with transaction.atomic():
        for case in cases:
            try:
                complaint_close(
                    complaint=case.pk,
                    actor=officer,
                    expected_version=case.version,
                    result=result,
                    note=note,
                )
            except WorkflowError as exc:
                answer.refused.append((case.tracking_no, exc.message))
            else:
                answer.closed.append(case.tracking_no)
    logger.info(
        "backlog closed by officer %s: %d closed, %d refused",
        officer.pk,
        len(answer.closed),
        len(answer.refused),
    )
    return answer
