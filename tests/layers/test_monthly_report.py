"""The monthly report to the governor (layers/services/reports.py): made from the frozen month,
CSV with a BOM, XLSX with the districts ranked, a Thai PDF looked at as a picture."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from layers import metrics
from layers.demo import demo_complaints_seed
from layers.models import AreaLevel, MonthFigure, MonthlyReport, Notification, Role
from layers.services import reports
from layers.services import statistics as stats
from layers.thaidate import Month
from tests.factories import make_officer

pytestmark = pytest.mark.django_db

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
SEPTEMBER = Month(2026, 9)


@pytest.fixture
def frozen_september(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_complaints_seed(count=300, seed=5, until=date(2026, 11, 1))
    return stats.snapshot_freeze(month=SEPTEMBER).snapshot


def read(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


def test_the_report_is_made_from_the_frozen_month_and_kept(frozen_september):
    governor = make_officer(Role.GOVERNOR, province="49")
    other_governor = make_officer(Role.GOVERNOR, province="48")
    report = reports.report_produce(province_code="49", month=SEPTEMBER)
    assert report.snapshot == frozen_september
    # Kept: asked again, the same report, and the governor told once.
    assert reports.report_produce(province_code="49", month=SEPTEMBER) == report
    assert MonthlyReport.objects.count() == 1
    notices = Notification.objects.filter(report=report)
    assert [n.recipient for n in notices] == [governor]
    assert "มุกดาหาร" in notices[0].message and "กันยายน 2569" in notices[0].message
    assert not Notification.objects.filter(recipient=other_governor).exists()
    # Files under MEDIA_ROOT, named by province and month only.
    for f in (report.pdf, report.xlsx, report.csv):
        assert f.name.startswith("reports/monthly/49/2569-09-")


def test_the_csv_opens_with_a_bom_and_thai_intact(frozen_september):
    report = reports.report_produce(province_code="49", month=SEPTEMBER)
    raw = read(report.csv)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "อันดับ" and "ร้อยละยุติเรื่อง" in rows[0]
    assert rows[1][2] == "จังหวัดมุกดาหาร (รวม)"
    names = [r[2] for r in rows[2:]]
    assert "เมืองมุกดาหาร" in names
    # Every district of the province, once; the figures are the frozen ones.
    frozen = {
        f.area_code: f
        for f in MonthFigure.objects.filter(
            snapshot=frozen_september, level=AreaLevel.DISTRICT, category__isnull=True
        )
    }
    codes = [r[1] for r in rows[2:]]
    assert sorted(codes) == sorted({c for c in codes}) and all(c.startswith("49") for c in codes)
    for r in rows[2:]:
        f = frozen.get(r[1])
        assert int(r[3]) == (f.complaints if f else 0)
        assert int(r[8]) == (f.open_backlog if f else 0)


def test_the_xlsx_opens_with_the_districts_ranked(frozen_september):
    report = reports.report_produce(province_code="49", month=SEPTEMBER)
    wb = load_workbook(io.BytesIO(read(report.xlsx)), read_only=True)
    assert wb.sheetnames[:2] == ["สรุป", "อำเภอเรียงตามผล"]
    ranked = list(wb["อำเภอเรียงตามผล"].iter_rows(values_only=True))
    header, total, districts = ranked[0], ranked[1], ranked[2:]
    share = header.index("ร้อยละยุติเรื่อง")
    backlog = header.index("เรื่องคงค้าง ณ สิ้นเดือน")
    assert total[2] == "จังหวัดมุกดาหาร (รวม)"
    with_share = [r for r in districts if r[share] not in ("", None)]
    assert len(with_share) >= 3
    assert [r[0] for r in with_share] == list(range(1, len(with_share) + 1))
    keys = [(-r[share], r[backlog]) for r in with_share]
    assert keys == sorted(keys)  # highest share first, then the smaller backlog
    assert all(r[0] in ("", None) for r in districts[len(with_share) :])
    # The province's total is the frozen one, and the share its derived value.
    frozen = MonthFigure.objects.get(
        snapshot=frozen_september, level="province", area_code="49", category__isnull=True
    )
    assert total[3] == frozen.complaints
    assert (
        total[share]
        == metrics.derive({"complaints": frozen.complaints, "closed": frozen.closed})[
            "share_closed"
        ]
    )


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (./damrong test)")
def test_the_pdf_embeds_a_thai_font_and_page_one_is_kept_as_a_picture(frozen_september):
    report = reports.report_produce(province_code="49", month=SEPTEMBER)
    pdf = read(report.pdf)
    assert pdf.startswith(b"%PDF")
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / "monthly_report_49_2569-09.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    assert "Sarabun" in fonts.stdout
    assert all(" yes " in line for line in fonts.stdout.splitlines()[2:])  # all embedded
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for words in ("เรียน ผู้ว่าราชการจังหวัดมุกดาหาร", "กันยายน 2569", "ร้อยละยุติเรื่อง"):
        assert words in text
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(path),
            str(OUTPUT / "monthly_report_49_2569-09"),
        ],
        check=True,
    )
    assert (OUTPUT / "monthly_report_49_2569-09.png").stat().st_size > 10_000
