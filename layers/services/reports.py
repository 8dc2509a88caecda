"""The monthly report to the governor (seed 001: the districts report the month to the
governor by the 1st of the next month): one province, one frozen month, in three files —

* **PDF** (WeasyPrint: HTML and CSS laid out with Pango/HarfBuzz, which shape Thai — tone
  marks and vowels stack right — with the Sarabun TTF in ``layers/fonts/sarabun`` embedded);
* **XLSX** (openpyxl): a summary sheet, the districts ranked, the backlog, the categories;
* **CSV**: UTF-8 with a BOM, so that Excel opens the Thai as Thai.

They are made from the frozen month (``MonthFigure``), never from the live cases, so the
report says what the month-end figures say, whenever it is produced. Kept as a
``MonthlyReport`` (files under MEDIA_ROOT, opened only through the scoped report view), and the
province's governors are told in the app (and by e-mail).

Who runs it: the month-end job on the 1st (``month_end_run``: freeze the month, then one
report job per province), or an officer opening a report not produced yet
(``report_request``: made on the spot when the month is frozen — a few seconds even for
Bangkok's 50 districts — else queued with the freezing, and the page says so).
"""

from __future__ import annotations

import csv
import io
import logging
import uuid
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from procrastinate.exceptions import AlreadyEnqueued

from boundaries.models import District, Province
from layers import metrics, policy
from layers.charts import bar_rows, percent
from layers.errors import InvalidInput, NotFound
from layers.models import (
    AreaLevel,
    Category,
    MonthFigure,
    MonthlyReport,
    MonthSnapshot,
    Notification,
    Role,
    RoleAssignment,
)
from layers.selectors.statistics import governors_of, rank_by_share_closed, report_get
from layers.services.mail import mail_send
from layers.services.statistics import month_require_ended, snapshot_freeze
from layers.thaidate import Month, format_be_date

logger = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts" / "sarabun"
FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}

# The columns of the report's tables (CSV, XLSX, PDF): export columns, classified in
# layers.policy as ``report.<key>`` (aggregates of areas: no case, no person).
REPORT_COLUMNS = (
    "rank",
    "area_code",
    "area_name",
    "complaints",
    "closed",
    "share_closed",
    "target",
    "on_target",
    "open_backlog",
    "overdue",
    "median_days_to_close",
)


def column_labels() -> dict[str, str]:
    return {
        "rank": _("Rank"),
        "area_code": _("Area code"),
        "area_name": _("Area"),
        "complaints": _("Received"),
        "closed": _("Closed"),
        "share_closed": _("Share closed (%)"),
        "target": _("Target (%)"),
        "on_target": _("Against the target"),
        "open_backlog": _("Backlog at month end"),
        "overdue": _("Overdue at month end"),
        "median_days_to_close": _("Median days to close"),
    }


def _verdict(row: dict) -> str:
    if row["on_target"] is None:
        return ""
    return _("met") if row["on_target"] else _("below")


# --- The report's content ---------------------------------------------------------------------


def report_data(*, province: Province, snapshot: MonthSnapshot) -> dict:
    """Everything the three files show, from the frozen month: the province's figures, its
    districts ranked by share closed (then the smaller backlog), the backlog by district
    (largest first), the categories."""
    figures = MonthFigure.objects.filter(snapshot=snapshot)
    counts = figures.filter(
        level=AreaLevel.PROVINCE, area_code=province.code, category__isnull=True
    ).values(*metrics.COUNTS)
    total = metrics.derive(counts.first() or {}, population=province.population)
    frozen = {
        r.pop("area_code"): r
        for r in figures.filter(
            level=AreaLevel.DISTRICT, area_code__startswith=province.code, category__isnull=True
        ).values("area_code", *metrics.COUNTS)
    }
    districts = []
    for code, name, population in (
        District.objects.filter(province_id=province.code)
        .order_by("code")
        .values_list("code", "name_th", "population")
    ):
        row = metrics.derive(frozen.get(code) or {}, population=population)
        districts.append({"key": code, "name": name, "has_data": code in frozen, **row})
    ranked = rank_by_share_closed(districts)
    backlog = sorted(districts, key=lambda r: (-r["open_backlog"], -r["overdue"], r["key"]))
    names = dict(Category.objects.filter(parent__isnull=True).values_list("pk", "name_th"))
    categories = [
        {"name": names.get(r["category_id"], ""), **metrics.derive(r)}
        for r in figures.filter(
            level=AreaLevel.PROVINCE, area_code=province.code, category__isnull=False
        ).values("category_id", *metrics.COUNTS)
    ]
    categories.sort(key=lambda r: (-r["complaints"], r["name"]))
    month = Month.of(snapshot.month)
    return {
        "province": province,
        "month": month,
        "snapshot": snapshot,
        "total": total,
        "districts": ranked,
        "backlog": backlog,
        "categories": categories,
        "target": metrics.CLOSED_SHARE_TARGET_PERCENT,
    }


def table_rows(data: dict) -> list[dict]:
    """The report's main table, ``REPORT_COLUMNS`` each: the province first, then its
    districts ranked."""
    province = data["province"]
    target = data["target"]

    def row(rank, code, name, r):
        return {
            "rank": rank or "",
            "area_code": code,
            "area_name": name,
            "complaints": r["complaints"],
            "closed": r["closed"],
            "share_closed": "" if r["share_closed"] is None else r["share_closed"],
            "target": target,
            "on_target": _verdict(r),
            "open_backlog": r["open_backlog"],
            "overdue": r["overdue"],
            "median_days_to_close": (
                "" if r["median_days_to_close"] is None else r["median_days_to_close"]
            ),
        }

    rows = [row("", province.code, _("Province %s (total)") % province.name_th, data["total"])]
    rows += [row(d["rank"], d["key"], d["name"], d) for d in data["districts"]]
    return rows


# --- The three files --------------------------------------------------------------------------


def render_csv(data: dict) -> bytes:
    """UTF-8 with a BOM (Excel reads a BOM-less CSV in the machine's code page and shows the
    Thai as noise); a header row of Thai labels, the province, then the districts ranked."""
    out = io.StringIO()
    writer = csv.writer(out)
    labels = column_labels()
    writer.writerow([labels[c] for c in REPORT_COLUMNS])
    for r in table_rows(data):
        writer.writerow([r[c] for c in REPORT_COLUMNS])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def render_xlsx(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    labels = column_labels()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DCE6F2")
    wb = Workbook()
    summary = wb.active
    summary.title = _("Summary")[:31]
    total = data["total"]
    summary.append([title(data)])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([as_of_line(data)])
    summary.append([])
    for key, value in (
        ("complaints", total["complaints"]),
        ("closed", total["closed"]),
        ("share_closed", total["share_closed"]),
        ("target", data["target"]),
        ("on_target", _verdict(total)),
        ("open_backlog", total["open_backlog"]),
        ("overdue", total["overdue"]),
        ("median_days_to_close", total["median_days_to_close"]),
    ):
        summary.append([labels[key], value])
        summary.cell(row=summary.max_row, column=1).font = bold
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 16

    def sheet(name, columns, rows):
        ws = wb.create_sheet(name[:31])
        ws.append([labels[c] for c in columns])
        for cell in ws[1]:
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for r in rows:
            ws.append([r[c] for c in columns])
        for i, c in enumerate(columns, 1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = (
                28 if c == "area_name" else 14
            )
        ws.freeze_panes = "A2"
        return ws

    sheet(_("Districts ranked"), REPORT_COLUMNS, table_rows(data))
    backlog_rows = [
        {
            "area_code": d["key"],
            "area_name": d["name"],
            "open_backlog": d["open_backlog"],
            "overdue": d["overdue"],
        }
        for d in data["backlog"]
    ]
    sheet(_("Backlog"), ("area_code", "area_name", "open_backlog", "overdue"), backlog_rows)
    category_rows = [
        {
            "area_name": c["name"],
            "complaints": c["complaints"],
            "closed": c["closed"],
            "share_closed": "" if c["share_closed"] is None else c["share_closed"],
            "open_backlog": c["open_backlog"],
        }
        for c in data["categories"]
    ]
    ws = sheet(
        _("Categories"),
        ("area_name", "complaints", "closed", "share_closed", "open_backlog"),
        category_rows,
    )
    ws["A1"] = _("Category")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def title(data: dict) -> str:
    return _("Damrongdhama Center, %(province)s province: complaints of %(month)s") % {
        "province": data["province"].name_th,
        "month": data["month"].label(),
    }


def as_of_line(data: dict) -> str:
    return _("Figures as at the end of %(day)s (frozen %(frozen)s)") % {
        "day": format_be_date(data["month"].last_day()),
        "frozen": format_be_date(data["snapshot"].computed_at, with_time=True),
    }


def render_pdf(data: dict, *, produced_at: datetime) -> bytes:
    from weasyprint import HTML

    total = data["total"]
    context = {
        **data,
        "title": title(data),
        "as_of": as_of_line(data),
        "produced": format_be_date(produced_at, with_time=True),
        "labels": column_labels(),
        "rows": table_rows(data),
        "verdict": _verdict(total),
        "share": percent(total["share_closed"]),
        "font_regular": (FONT_DIR / "Sarabun-Regular.ttf").as_uri(),
        "font_bold": (FONT_DIR / "Sarabun-Bold.ttf").as_uri(),
        "share_bars": bar_rows(
            data["districts"],
            value="share_closed",
            maximum=100,
            display=lambda r: percent(r["share_closed"]),
            css=lambda r: "" if r["on_target"] is None else ("ok" if r["on_target"] else "below"),
        ),
        "backlog_bars": bar_rows(data["backlog"], value="open_backlog"),
    }
    html = render_to_string("reports/monthly.html", context)
    return HTML(string=html, base_url=str(FONT_DIR)).write_pdf()


# --- Producing and keeping them ---------------------------------------------------------------


def report_file_url(report: MonthlyReport, fmt: str = "pdf") -> str:
    return reverse(
        "monthly_report",
        kwargs={
            "province": report.province_id,
            "month": Month.of(report.snapshot.month).be_code,
            "fmt": fmt,
        },
    )


def notify_report_ready(*, report: MonthlyReport, also=()) -> list[Notification]:
    """The province's governors (and ``also``: who asked for it) are told in the app and by
    e-mail. The message names the province and the month: nothing else."""
    people = {o.pk: o for o in governors_of(report.province_id)}
    for officer in also:
        if officer is not None and officer.is_active:
            people.setdefault(officer.pk, officer)
    if not people:
        return []
    month = Month.of(report.snapshot.month)
    with translation.override(settings.LANGUAGE_CODE):
        line = _("The monthly report of %(province)s province for %(month)s is ready.") % {
            "province": report.province.name_th,
            "month": month.label(),
        }
        base = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
        body = "\n\n".join(
            [line, _("Open the report: %(url)s") % {"url": base + report_file_url(report)}]
        )
        subject = _("[Damrong GIS] %(line)s") % {"line": line}
    rows = Notification.objects.bulk_create(
        [Notification(recipient=o, report=report, message=line[:300]) for o in people.values()]
    )
    mail_send(
        subject=subject[:200],
        body=body,
        officers=people.values(),
        reference=f"report {report.province_id} {month.be_code}",
    )
    return rows


@transaction.atomic
def report_produce(
    *, province_code: str, month: Month, requested_by=None, now: datetime | None = None
) -> MonthlyReport:
    """The province's report of the frozen ``month`` (kept: made once, then returned as it
    is). ``NotFound`` when the month is not frozen yet or the province does not exist."""
    now = now or timezone.now()
    snapshot = MonthSnapshot.objects.select_for_update().filter(month=month.first_day).first()
    if snapshot is None:
        raise NotFound(_("%(month)s is not frozen yet.") % {"month": month.label()})
    province = Province.objects.defer("geom").filter(code=province_code).first()
    if province is None:
        raise NotFound(_("There is no province with the code %s.") % province_code)
    existing = MonthlyReport.objects.filter(province=province, snapshot=snapshot).first()
    if existing is not None:
        return existing
    policy.require_fields(policy.REPORT_VIEWER, "report", REPORT_COLUMNS)
    with translation.override(settings.LANGUAGE_CODE):
        data = report_data(province=province, snapshot=snapshot)
        files = {
            "csv": render_csv(data),
            "xlsx": render_xlsx(data),
            "pdf": render_pdf(data, produced_at=now),
        }
    report = MonthlyReport(province=province, snapshot=snapshot, produced_at=now)
    stem = f"{month.be_code}-{uuid.uuid4().hex[:12]}"
    saved = []
    try:
        for fmt, content in files.items():
            getattr(report, fmt).save(f"{stem}.{fmt}", ContentFile(content), save=False)
            saved.append(getattr(report, fmt))
        report.save()
    except BaseException:
        for f in saved:
            f.storage.delete(f.name)
        raise
    notify_report_ready(report=report, also=[requested_by])
    logger.info("monthly report %s %s produced", province.code, month.be_code)
    return report


@transaction.atomic
def reports_delete(*, snapshot: MonthSnapshot) -> int:
    """Delete a month's reports and their files (its figures were replaced); their notices go
    with them. Returns how many."""
    reports = list(MonthlyReport.objects.filter(snapshot=snapshot))
    names = [f.name for r in reports for f in (r.pdf, r.xlsx, r.csv) if f]
    MonthlyReport.objects.filter(pk__in=[r.pk for r in reports]).delete()
    storage = MonthlyReport._meta.get_field("pdf").storage
    transaction.on_commit(lambda: [storage.delete(n) for n in names])
    return len(reports)


def report_provinces(snapshot: MonthSnapshot) -> list[str]:
    """The provinces that get a report of the month: those with a governor or a province
    officer, and those with any figure."""
    with_people = RoleAssignment.objects.filter(
        role__in=(Role.GOVERNOR, Role.PROVINCE_OFFICER), is_active=True, province__isnull=False
    ).values_list("province_id", flat=True)
    with_figures = MonthFigure.objects.filter(
        snapshot=snapshot, level=AreaLevel.PROVINCE, category__isnull=True
    ).values_list("area_code", flat=True)
    return sorted(set(with_people) | set(with_figures))


def month_end_run(*, now: datetime) -> dict:
    """The month-end job (daily at 00:30 Bangkok time; does its work on the 1st, and catches up
    on a later day if the worker was down then): freeze the month that ended, then queue a
    report job for each province that has none yet."""
    from layers.tasks import monthly_report  # the task module imports this one

    month = Month.of(now).previous()
    snapshot = MonthSnapshot.objects.filter(month=month.first_day).first()
    frozen = snapshot is None
    if frozen:
        snapshot = snapshot_freeze(month=month, now=now).snapshot
    done = set(
        MonthlyReport.objects.filter(snapshot=snapshot).values_list("province_id", flat=True)
    )
    queued = [code for code in report_provinces(snapshot) if code not in done]
    for code in queued:
        try:
            with transaction.atomic():
                monthly_report.configure(queueing_lock=f"report-{code}-{month.be_code}").defer(
                    province=code, month=month.be_code
                )
        except AlreadyEnqueued:
            pass  # an officer asked for it first
    # The open-data files: built again once a month is frozen (or the published months moved).
    from layers.services.opendata import opendata_build_due, opendata_build_queue

    opendata = (frozen or opendata_build_due(now=now)) and opendata_build_queue(now=now)
    return {
        "month": month.be_code,
        "frozen": frozen,
        "reports_queued": len(queued),
        "opendata_queued": bool(opendata),
    }


def month_report_job(*, province: str, month: str, requested_by: int | None = None) -> int:
    """One province's report (the job): freezes the month first when nobody has."""
    from layers.models import Officer

    m = Month.parse(month)
    if not MonthSnapshot.objects.filter(month=m.first_day).exists():
        snapshot_freeze(month=m)
    officer = Officer.objects.filter(pk=requested_by).first() if requested_by else None
    return report_produce(province_code=province, month=m, requested_by=officer).pk


def report_request(*, officer, province_code: str, month: Month, now: datetime | None = None):
    """An officer opens a report: ``("ready", report)`` — kept, or made now from the frozen
    month — or ``("queued", None)`` when the month is not frozen yet (the freezing and the
    report are queued; the officer is told when it is ready). Scoped: ``Forbidden`` /
    ``NotFound`` as ``report_get``; a month not ended yet is ``NotFound``."""
    from layers.tasks import monthly_report

    report = report_get(officer=officer, province_code=province_code, month=month)
    policy.require_fields(policy.viewer_for(officer), "report", REPORT_COLUMNS)
    if report is not None:
        return "ready", report
    try:
        month_require_ended(month, now=now)
    except InvalidInput:
        raise NotFound(
            _("%(month)s has not ended: its report is made on the 1st of the next month.")
            % {"month": month.label()}
        ) from None
    if MonthSnapshot.objects.filter(month=month.first_day).exists():
        return "ready", report_produce(
            province_code=province_code, month=month, requested_by=officer, now=now
        )
    try:
        with transaction.atomic():
            monthly_report.configure(queueing_lock=f"report-{province_code}-{month.be_code}").defer(
                province=province_code, month=month.be_code, requested_by=officer.pk
            )
    except AlreadyEnqueued:
        pass  # asked for already: this officer waits for that job (and is not told)
    return "queued", None
