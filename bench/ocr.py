"""Benchmark: how well scanned Thai government letters are read (issue 12).

Renders its own letter pages (``tests/letters.py``: government-letter text with letter numbers
and Buddhist-Era dates in Thai digits, in the vendored Sarabun font, laid out by WeasyPrint,
rasterised by pdftoppm) at 200 and 300 dpi, some with scanner noise, some turned, and reads
each with the application's own OCR step (``layers.services.documents.ocr_image``: Tesseract
``OCR_LANGUAGES``, orientation detection, one thread) and its normalisation
(``layers.thaitext.ocr_normalise``). The pages come from seeds of their own (``--seed``); no
model here was trained on any text.

Figures (each a mean over its pages):

* ``clean_accuracy`` — character accuracy, 1 − edit distance / reference length, of clean
  pages (upright, no noise), on the normalised text as indexed: ``ocr_normalise``, Thai digits
  as Arabic ones, white space removed (Thai puts no spaces between words; OCR's spacing is
  not what is read);
* ``noisy_accuracy`` — the same on noisy (salt-and-pepper, blur) and turned (90°, 180°, 1.5°)
  pages;
* ``thai_digit_accuracy`` — of the digits alone (every page), 1 − edit distance / number of
  digits of the reference, after Thai digits are read as Arabic ones (a ๘ read as ๕ is an
  error; a ๘ read as 8 is not).

    .venv/bin/python bench/ocr.py                  # 2 pages per condition
    .venv/bin/python bench/ocr.py --pages 5 --seed 20000
    .venv/bin/python bench/ocr.py --languages tha  # another Tesseract language set

Needs Debian's tesseract-ocr, tesseract-ocr-tha and poppler-utils (``./damrong`` installs them).
No database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# (name, dpi, angle, noise): angle counter-clockwise in degrees, noise the share of pixels.
CONDITIONS = (
    ("clean-300", 300, 0, 0.0),
    ("clean-200", 200, 0, 0.0),
    ("noisy-300", 300, 0, 0.02),
    ("noisy-200", 200, 0, 0.01),
    ("turned-90-300", 300, 90, 0.0),
    ("turned-180-200", 200, 180, 0.005),
    ("skewed-1.5-300", 300, 1.5, 0.005),
)


def setup_django() -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings")
    os.environ.setdefault("DATABASE_URL", "postgis://localhost/unused")  # no query is made
    import django

    django.setup()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions), two rows at a time."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def accuracy(reference: str, read: str) -> float:
    if not reference:
        return 1.0
    return max(0.0, 1 - edit_distance(reference, read) / len(reference))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2, help="pages per condition")
    parser.add_argument("--seed", type=int, default=10000, help="first letter's seed")
    parser.add_argument("--languages", default=None, help="Tesseract languages (OCR_LANGUAGES)")
    parser.add_argument("--only", default="", help="comma-separated condition names")
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings

    from layers.services.documents import ocr_image
    from layers.thaitext import THAI_DIGITS, ocr_normalise
    from tests.letters import letter_image, letter_lines

    if args.languages:
        settings.OCR_LANGUAGES = args.languages

    def indexed(text: str) -> str:
        return "".join(ocr_normalise(text).translate(THAI_DIGITS).split())

    def digits(text: str) -> str:
        return "".join(ch for ch in text.translate(THAI_DIGITS) if ch.isdigit())

    wanted = {c for c in args.only.split(",") if c}
    rows = []
    seed = args.seed
    for name, dpi, angle, noise in CONDITIONS:
        if wanted and name not in wanted:
            continue
        for _ in range(args.pages):
            lines = letter_lines(seed)
            image = letter_image(lines, dpi=dpi, angle=angle, noise=noise, seed=seed)
            started = time.perf_counter()
            text, confidence = ocr_image(image)
            seconds = time.perf_counter() - started
            reference = "\n".join(lines)
            row = {
                "condition": name,
                "seed": seed,
                "accuracy": accuracy(indexed(reference), indexed(text)),
                "digit_accuracy": accuracy(digits(reference), digits(ocr_normalise(text))),
                "seconds": seconds,
                "confidence": confidence,
            }
            rows.append(row)
            print(
                f"{name:>16} seed {seed}: chars {row['accuracy']:.3f} digits "
                f"{row['digit_accuracy']:.3f} in {seconds:.1f} s",
                file=sys.stderr,
            )
            seed += 1

    def mean(values):
        values = list(values)
        return round(statistics.fmean(values), 4) if values else None

    clean = [r for r in rows if r["condition"].startswith("clean")]
    noisy = [r for r in rows if not r["condition"].startswith("clean")]
    by_condition = {}
    for name, *_ in CONDITIONS:
        mine = [r for r in rows if r["condition"] == name]
        if mine:
            by_condition[name] = {
                "accuracy": mean(r["accuracy"] for r in mine),
                "thai_digit_accuracy": mean(r["digit_accuracy"] for r in mine),
            }
    result = {
        "bench": "ocr",
        "languages": settings.OCR_LANGUAGES,
        "pages": len(rows),
        "clean_accuracy": mean(r["accuracy"] for r in clean),
        "noisy_accuracy": mean(r["accuracy"] for r in noisy),
        "thai_digit_accuracy": mean(r["digit_accuracy"] for r in rows),
        "clean_thai_digit_accuracy": mean(r["digit_accuracy"] for r in clean),
        "seconds_per_page": mean(r["seconds"] for r in rows),
        "by_condition": by_condition,
    }
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
