"""Frozen month-end figures and the monthly reports made from them.

The department steers with the statistics "as at the end of the month" (seed 001), and the
districts report to the governor by the 1st of the next month: on the 1st a job freezes the
month's figures per sub-district, district and province (``MonthSnapshot``/``MonthFigure``,
computed by ``layers.services.statistics`` with the definitions of ``layers.metrics``), then
produces each province's report (``MonthlyReport``). A frozen month does not change when cases
change later.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.TextChoices):
    COUNTRY = "country", _("country")
    PROVINCE = "province", _("province")
    DISTRICT = "district", _("district")
    SUBDISTRICT = "subdistrict", _("sub-district")


# The code of the whole country in ``MonthFigure.area_code``.
COUNTRY_CODE = "TH"


class MonthSnapshot(models.Model):
    """One month, frozen: its figures were computed as the system held the cases at the
    month's end (``period_end``), from the cases' append-only history."""

    month = models.DateField(_("month"), unique=True, help_text=_("The first day of the month."))
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("until (the first instant of the next month)"))
    computed_at = models.DateTimeField(_("frozen at"))

    class Meta:
        verbose_name = _("month-end snapshot")
        verbose_name_plural = _("month-end snapshots")
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%Y-%m}"


class MonthFigure(models.Model):
    """The raw counts of one area (and one category, or all: null) in a frozen month; the
    shares and rates people read derive from them (``layers.metrics.derive``). Aggregates
    only: no case, no person."""

    snapshot = models.ForeignKey(MonthSnapshot, on_delete=models.CASCADE, related_name="figures")
    level = models.CharField(max_length=16, choices=AreaLevel.choices)
    area_code = models.CharField(max_length=6)
    category = models.ForeignKey(
        "layers.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    complaints = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    open_backlog = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    median_days_to_close = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("month-end figure")
        verbose_name_plural = _("month-end figures")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "level", "area_code", "category"],
                name="month_figure_unique",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            # The statistics page's trend: one area's rows over the months.
            models.Index(fields=["level", "area_code"], name="month_figure_area"),
        ]

    def __str__(self):
        return f"{self.snapshot} {self.level} {self.area_code} {self.category_id or ''}".strip()


def report_path(instance, filename):
    # No personal data in paths: the province code, the month and the format.
    return f"reports/monthly/{instance.province_id}/{filename}"


class MonthlyReport(models.Model):
    """A province's monthly report to the governor (PDF, XLSX, CSV), made from a frozen month.
    The files live under MEDIA_ROOT and open only through the scoped report view."""

    province = models.ForeignKey(
        "boundaries.Province",
        on_delete=models.PROTECT,
        related_name="+",
        db_column="province_code",
    )
    snapshot = models.ForeignKey(MonthSnapshot, on_delete=models.PROTECT, related_name="reports")
    pdf = models.FileField(upload_to=report_path)
    xlsx = models.FileField(upload_to=report_path)
    csv = models.FileField(upload_to=report_path)
    produced_at = models.DateTimeField(_("produced at"))

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-snapshot__month", "province_id"]
        constraints = [
            models.UniqueConstraint(fields=["province", "snapshot"], name="monthly_report_unique"),
        ]

    def __str__(self):
        return f"{self.province_id} {self.snapshot}"

    @property
    def month_code(self) -> str:
        """The month as the report's URL writes it: ``2569-10`` (B.E.)."""
        month = self.snapshot.month
        return f"{month.year + 543}-{month.month:02d}"
