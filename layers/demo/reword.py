"""Thai complaint texts said again in other words, as a second caller or a second letter says
the same matter: synonyms, clauses in another order, words added or left out, typing slips.

Used by the labelled set of duplicates (``layers.demo.duplicates``) that measures the duplicate
score (bench/duplicates.py, tests/layers/test_duplicate_quality.py). Deterministic for a given
``random.Random``.
"""

from __future__ import annotations

import random

# Pairs said either way (the officer writes one, the next caller the other).
SYNONYMS = [
    ("ขอให้", "ขอความกรุณาให้"),
    ("ขอให้", "อยากให้"),
    ("ตรวจสอบ", "ตรวจดู"),
    ("ซ่อมแซม", "ซ่อม"),
    ("ชำรุด", "เสียหาย"),
    ("ถนน", "ทางถนน"),
    ("หมู่ที่", "ม."),
    ("ต.", "ตำบล"),
    ("อ.", "อำเภอ"),
    ("ชาวบ้าน", "ประชาชน"),
    ("เหม็น", "ส่งกลิ่นเหม็น"),
    ("เสียงดัง", "เสียงรบกวน"),
    ("ไม่ได้", "ไม่สามารถ"),
    ("จำนวนมาก", "หลายตัว"),
    ("ทุกคืน", "ทุกวัน"),
    ("เร่งด่วน", "ด่วนที่สุด"),
    ("ดำเนินการ", "จัดการ"),
    ("บุกรุก", "รุกล้ำ"),
    ("ที่ดินสาธารณประโยชน์", "ที่สาธารณะ"),
    ("น้ำท่วม", "น้ำท่วมขัง"),
    ("ขยะ", "ขยะมูลฝอย"),
    ("ไฟฟ้าส่องสว่าง", "ไฟถนน"),
    ("ดับ", "ไม่ติด"),
    ("หลุมบ่อ", "เป็นหลุมเป็นบ่อ"),
    ("ผู้ร้อง", "ข้าพเจ้า"),
    ("ความช่วยเหลือ", "การช่วยเหลือ"),
    ("ประสาน", "ติดต่อ"),
]
OPENINGS = [
    "เรียน เจ้าหน้าที่ศูนย์ดำรงธรรม",
    "แจ้งเรื่องซ้ำ",
    "ร้องเรียนอีกครั้ง",
    "ชาวบ้านแจ้งมาว่า",
    "ขอแจ้งว่า",
]
CLOSINGS = [
    "จึงเรียนมาเพื่อโปรดพิจารณา",
    "ขอบคุณครับ",
    "ขอบคุณค่ะ",
    "แจ้งไปแล้วแต่ยังไม่มีใครมาดู",
    "ตอนนี้ยังเหมือนเดิม",
    "เดือดร้อนมาก",
]
FILLERS = ["มาก", "จริงๆ", "อยู่", "แล้ว", "ด้วย", "อีก", "ทั้งหมด"]
TONE_MARKS = "\u0e48\u0e49\u0e4a\u0e4b"


def _synonyms(text: str, rng: random.Random, share: float) -> str:
    for a, b in SYNONYMS:
        if rng.random() >= share:
            continue
        if a in text:
            text = text.replace(a, b, 1)
        elif b in text:
            text = text.replace(b, a, 1)
    return text


def _typo(text: str, rng: random.Random) -> str:
    """One slip of the keyboard: a letter doubled, dropped, two swapped, a tone mark changed."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 2)
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i] + text[i:]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    marks = [j for j, ch in enumerate(text) if ch in TONE_MARKS]
    if not marks:
        return text
    j = rng.choice(marks)
    return text[:j] + rng.choice(TONE_MARKS) + text[j + 1 :]


def reword(text: str, rng: random.Random, *, strength: float = 1.0) -> str:
    """``text`` as someone else would write the same complaint.

    ``strength`` (0..2) scales how much changes: synonyms, clause order, words added or left
    out, typing slips.
    """
    original = text
    clauses = text.split(" ")
    # Clauses in another order (a sentence in Thai is clauses between spaces).
    if len(clauses) > 2 and rng.random() < 0.6 * strength:
        head, rest = clauses[:1], clauses[1:]
        rng.shuffle(rest)
        clauses = head + rest if rng.random() < 0.5 else rest + head
    # A clause left out (never the only one).
    if len(clauses) > 3 and rng.random() < 0.4 * strength:
        clauses.pop(rng.randrange(len(clauses)))
    # Words added.
    if rng.random() < 0.5 * strength:
        clauses.insert(0, rng.choice(OPENINGS))
    if rng.random() < 0.5 * strength:
        clauses.append(rng.choice(CLOSINGS))
    for _ in range(rng.randrange(0, 1 + round(2 * strength))):
        k = rng.randrange(len(clauses))
        clauses[k] = clauses[k] + rng.choice(FILLERS)
    text = " ".join(clauses)
    text = _synonyms(text, rng, min(1.0, 0.35 * strength))
    for _ in range(rng.randrange(0, 1 + round(2 * strength))):
        text = _typo(text, rng)
    if text == original:  # said again, never word for word
        text = f"{text} {rng.choice(CLOSINGS)}"
    return text
