"""Thai government-letter pages made here, for the OCR tests and ``bench/ocr.py``.

Each letter is built from a seed: a letter number and a Buddhist-Era date in Thai digits, an
office, a subject, a salutation and a body of a few sentences drawn from the pools below, in the
vendored Sarabun font (``layers/fonts/sarabun``), laid out by WeasyPrint (Pango shapes Thai:
marks stack on their consonants). ``letter_pdf`` gives a PDF with a text layer;
``letter_image`` a page picture at a resolution, turned and with noise as a scanner would
give it; ``scanned_pdf`` pictures in a PDF without text (a scanner's PDF).
"""

from __future__ import annotations

import html
import io
import random
import subprocess
import tempfile
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent.parent / "layers" / "fonts" / "sarabun"
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
OFFICES = (
    "ศูนย์ดำรงธรรมอำเภอเมืองมุกดาหาร",
    "ศูนย์ดำรงธรรมจังหวัดมุกดาหาร",
    "ที่ว่าการอำเภอดอนตาล",
    "ศูนย์ดำรงธรรมอำเภอนิคมคำสร้อย",
    "ที่ทำการปกครองจังหวัดนครพนม",
    "ศูนย์ดำรงธรรมอำเภอหว้านใหญ่",
)
SUBJECTS = (
    "ขอให้ตรวจสอบการบุกรุกที่ดินสาธารณประโยชน์",
    "ขอความช่วยเหลือกรณีน้ำท่วมขังในหมู่บ้าน",
    "ร้องเรียนเหตุเดือดร้อนรำคาญจากโรงงาน",
    "ขอให้ซ่อมแซมถนนที่ชำรุดเสียหาย",
    "ขอให้ไกล่เกลี่ยข้อพิพาทเรื่องแนวเขตที่ดิน",
    "แจ้งผลการดำเนินการตามเรื่องร้องเรียน",
)
ADDRESSEES = (
    "นายอำเภอเมืองมุกดาหาร",
    "ผู้ว่าราชการจังหวัดมุกดาหาร",
    "ปลัดอำเภอหัวหน้าชุดปฏิบัติการประจำตำบล",
    "ผู้อำนวยการศูนย์ดำรงธรรมจังหวัด",
)
PLACES = ("บ้านนาโด่", "บ้านโคกสูง", "บ้านหนองแวง", "บ้านดงเย็น", "บ้านคำป่าหลาย", "บ้านป่าพยอม")
SUBDISTRICTS = ("ตำบลนาสีนวน", "ตำบลบางทรายใหญ่", "ตำบลคำอาฮวน", "ตำบลดงมอน", "ตำบลผึ่งแดด")
SENTENCES = (
    "ด้วยข้าพเจ้าได้รับความเดือดร้อนจากการกระทำดังกล่าวเป็นเวลานาน",
    "จึงเรียนมาเพื่อโปรดพิจารณาดำเนินการตามอำนาจหน้าที่ต่อไป",
    "ทั้งนี้ได้แนบเอกสารหลักฐานที่เกี่ยวข้องมาพร้อมหนังสือฉบับนี้แล้ว",
    "ชุดปฏิบัติการประจำตำบลได้ลงพื้นที่ตรวจสอบข้อเท็จจริงเบื้องต้นแล้ว",
    "ผู้ร้องขอให้หน่วยงานที่เกี่ยวข้องเข้าแก้ไขปัญหาโดยเร็ว",
    "ราษฎรในพื้นที่ได้รับผลกระทบรวมทั้งสิ้นหลายครัวเรือน",
    "อำเภอได้ประสานองค์การบริหารส่วนตำบลเพื่อร่วมกันแก้ไขปัญหาแล้ว",
    "หากมีความคืบหน้าประการใดจะได้รายงานให้ทราบต่อไป",
)


def thai(number) -> str:
    return str(number).translate(THAI_DIGITS)


def letter_lines(seed: int) -> list[str]:
    """The lines of one letter (what OCR should read), with numbers and dates in Thai digits."""
    rng = random.Random(seed)
    number = f"ที่ มท {thai(rng.randint(100, 9999)):0>4}.{thai(rng.randint(1, 9))}/{thai(rng.randint(1, 9999))}"
    date = f"{thai(rng.randint(1, 28))} {rng.choice(MONTHS)} {thai(rng.randint(2560, 2569))}"
    lines = [
        number,
        rng.choice(OFFICES),
        date,
        f"เรื่อง {rng.choice(SUBJECTS)}",
        f"เรียน {rng.choice(ADDRESSEES)}",
        f"อ้างถึง หนังสือที่ {thai(rng.randint(10, 999))}/{thai(rng.randint(2560, 2569))} "
        f"ลงวันที่ {thai(rng.randint(1, 28))} {rng.choice(MONTHS)} {thai(rng.randint(2560, 2569))}",
        f"{rng.choice(PLACES)} หมู่ที่ {thai(rng.randint(1, 19))} {rng.choice(SUBDISTRICTS)} "
        f"จำนวน {thai(rng.randint(2, 987))} ครัวเรือน",
    ]
    lines += rng.sample(SENTENCES, 4)
    lines.append(f"โทรศัพท์ ๐ {thai(rng.randint(4200, 4299))} {thai(rng.randint(1000, 9999))}")
    return lines


def _html(pages: list[list[str]], font_pt: float) -> str:
    regular = (FONT_DIR / "Sarabun-Regular.ttf").as_uri()
    body = "".join(
        '<section class="page">'
        + "".join(f"<p>{html.escape(line)}</p>" for line in lines)
        + "</section>"
        for lines in pages
    )
    return f"""<!doctype html><html lang="th"><head><meta charset="utf-8"><style>
@font-face {{ font-family: LetterFont; src: url("{regular}"); }}
@page {{ size: A4; margin: 2.5cm 2cm; }}
body {{ font-family: LetterFont; font-size: {font_pt}pt; line-height: 1.5; }}
p {{ margin: 0 0 .35em; }}
section.page + section.page {{ break-before: page; }}
</style></head><body>{body}</body></html>"""


def letter_pdf(pages: list[list[str]], *, font_pt: float = 16) -> bytes:
    """A PDF with a text layer, one letter per page."""
    from weasyprint import HTML

    return HTML(string=_html(pages, font_pt)).write_pdf()


def letter_image(
    lines: list[str],
    *,
    dpi: int = 300,
    angle: float = 0,
    noise: float = 0,
    seed: int = 0,
    font_pt: float = 16,
):
    """One page as a scanner gives it: greyscale at ``dpi``, turned by ``angle`` degrees
    (counter-clockwise), with salt-and-pepper ``noise`` (share of pixels) and a slight blur."""
    from PIL import Image, ImageFilter

    with tempfile.TemporaryDirectory(prefix="letters-") as tmp:
        pdf = Path(tmp, "letter.pdf")
        pdf.write_bytes(letter_pdf([lines], font_pt=font_pt))
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(dpi),
                "-gray",
                "-png",
                "-singlefile",
                str(pdf),
                str(Path(tmp, "page")),
            ],
            check=True,
            capture_output=True,
        )
        with Image.open(Path(tmp, "page.png")) as img:
            page = img.convert("L")
    if angle:
        page = page.rotate(angle, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    if noise:
        rng = random.Random(seed)
        pixels = page.load()
        w, h = page.size
        for _ in range(int(w * h * noise)):
            pixels[rng.randrange(w), rng.randrange(h)] = 0 if rng.random() < 0.5 else 255
        page = page.filter(ImageFilter.GaussianBlur(0.6))
    return page


def image_bytes(image, fmt: str = "PNG", **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def scanned_pdf(images, *, dpi: int = 300) -> bytes:
    """Page pictures in one PDF, no text layer (what a scanner writes)."""
    images = [im.convert("L") for im in images]
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return buffer.getvalue()


def multipage_tiff(images) -> bytes:
    images = [im.convert("L") for im in images]
    buffer = io.BytesIO()
    images[0].save(
        buffer, format="TIFF", save_all=True, append_images=images[1:], compression="tiff_deflate"
    )
    return buffer.getvalue()
