"""Demo data: a believable organisation and complaints on the real boundaries.

Two parts, both idempotent or guarded, both deterministic:

* ``demo_organisation_seed``: sub-district teams (ชปต.) in the demo provinces (Mukdahan 49 and
  Nakhon Phanom 48; a few sub-districts are left without a team so that the district-queue
  fallback shows) and one account of every role per demo province, with a known password.
  Development only (``DJANGO_ENV`` development): ``DemoRefused`` otherwise.
* ``demo_complaints_seed``: N complaints spread over the real sub-districts, weighted by
  population, in set-based SQL so that a million rows take minutes. Points come from
  ``ST_GeneratePoints`` with a seed per sub-district, the point then decides the three area
  codes exactly as intake does (``assign_areas_to_points`` on the subdivided table), and every
  other attribute is drawn from ``md5(seed, row)``, so the same seed, count, end date and
  boundaries give the same complaints, tracking numbers included (in a database without other
  complaints of those years).

Every demo complaint's "created" history row carries ``DEMO_NOTE``: that is how
``--if-empty`` recognises demo data, and it tells a reader of the timeline the case is invented.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone, translation

from boundaries.models import District, Province, Subdistrict
from boundaries.services.bulk import assign_areas_to_points
from layers.models import (
    Category,
    ComplaintHistory,
    ForwardTarget,
    HistoryKind,
    Officer,
    Role,
    RoleAssignment,
    Team,
    TeamMembership,
)
from layers.services import demo_content as content
from layers.services.complaints import TRACKING_SEQ_DIGITS, tracking_number_issue
from layers.validators import citizen_id_check_digit

DEMO_NOTE = "ข้อมูลสาธิต (seed_demo)"
# Development only: printed by ``demo_logins`` and in the README.
DEMO_PASSWORD = "Damrong-demo-2569"
# Province → the district of its district-level demo accounts.
DEMO_PROVINCES = {"49": "4901", "48": "4801"}
DEFAULT_COUNT = 3000
DEFAULT_SEED = 2569
DEFAULT_FOCUS_SHARE = 0.3
# A district with at least this many sub-districts leaves its highest-coded one without a team.
TEAMLESS_MIN_SUBDISTRICTS = 5
PERIOD_DAYS = 730

ROLE_ORDER = [
    Role.DISTRICT_OFFICER,
    Role.DISTRICT_CHIEF,
    Role.TEAM_MEMBER,
    Role.PROVINCE_OFFICER,
    Role.GOVERNOR,
    Role.CENTRAL_OFFICER,
    Role.GIS_ANALYST,
    Role.ADMIN,
]
# title, first name, position, level, unit ({district}/{province}: Thai names).
ACCOUNT_PROFILES = {
    Role.DISTRICT_OFFICER: (
        "นาย",
        "สมชาย",
        "เจ้าพนักงานปกครองชำนาญการ",
        "ชำนาญการ",
        "ศูนย์ดำรงธรรมอำเภอ{district}",
    ),
    Role.DISTRICT_CHIEF: ("นาย", "วิรัช", "นายอำเภอ{district}", "", "ที่ว่าการอำเภอ{district}"),
    Role.TEAM_MEMBER: (
        "นาย",
        "ธนพล",
        "ปลัดอำเภอ (หัวหน้าชุดปฏิบัติการประจำตำบล)",
        "ปฏิบัติการ",
        "ชุดปฏิบัติการประจำตำบล อำเภอ{district}",
    ),
    Role.PROVINCE_OFFICER: (
        "นาง",
        "สุภาวดี",
        "เจ้าพนักงานปกครองชำนาญการพิเศษ",
        "ชำนาญการพิเศษ",
        "ศูนย์ดำรงธรรมจังหวัด{province}",
    ),
    Role.GOVERNOR: ("นาย", "ชัยวัฒน์", "ผู้ว่าราชการจังหวัด{province}", "", "ศาลากลางจังหวัด{province}"),
    Role.CENTRAL_OFFICER: (
        "นางสาว",
        "พิมพ์ชนก",
        "นักวิเคราะห์นโยบายและแผน",
        "ชำนาญการ",
        "ศูนย์ดำรงธรรม กรมการปกครอง (ส่วนกลาง)",
    ),
    Role.GIS_ANALYST: (
        "นาย",
        "ภูมิ",
        "นักวิชาการแผนที่ภาพถ่าย",
        "ปฏิบัติการ",
        "ที่ทำการปกครองจังหวัด{province}",
    ),
    Role.ADMIN: ("นาย", "ปกครอง", "ผู้ดูแลระบบ", "", "ศูนย์เทคโนโลยีสารสนเทศ กรมการปกครอง"),
}
DEMO_LAST_NAME = "สาธิตระบบ"


class DemoRefused(Exception):
    """Demo accounts were asked for outside development."""


def require_development() -> None:
    if not settings.DEVELOPMENT:
        raise DemoRefused(
            f"Demo accounts exist only in development, and DJANGO_ENV is {settings.DJANGO_ENV!r}: "
            "refused. (Demo complaints alone, without accounts, can be made with --no-accounts.)"
        )


# --------------------------------------------------------------------------- organisation


def demo_citizen_id(province: str, role: str) -> str:
    """The fixed, valid citizen ID of a demo account: 1-<province>-0000000-<role no>-<check>.

    >>> demo_citizen_id("49", Role.DISTRICT_OFFICER)
    '1490000000013'
    """
    first12 = f"1{province}0000000{ROLE_ORDER.index(role) + 1:02d}"
    return first12 + str(citizen_id_check_digit(first12))


@dataclass(frozen=True)
class DemoLogin:
    role: str
    province: str
    area: str
    citizen_id: str
    password: str
    exists: bool


@dataclass
class OrganisationReport:
    provinces: list[str] = field(default_factory=list)
    teams: int = 0
    teamless: list[str] = field(default_factory=list)
    accounts: int = 0
    skipped_provinces: list[str] = field(default_factory=list)


def _teamless_subdistricts(province: str) -> set[str]:
    by_district: dict[str, list[str]] = {}
    for code, district in (
        Subdistrict.objects.filter(province_id=province, geom__isnull=False)
        .order_by("code")
        .values_list("code", "district_id")
    ):
        by_district.setdefault(district, []).append(code)
    return {codes[-1] for codes in by_district.values() if len(codes) >= TEAMLESS_MIN_SUBDISTRICTS}


def _team_member_subdistricts(district: str, teamless: set[str]) -> list[str]:
    codes = Subdistrict.objects.filter(district_id=district, geom__isnull=False).order_by("code")
    return [c for c in codes.values_list("code", flat=True) if c not in teamless][:2]


@transaction.atomic
def demo_organisation_seed(*, provinces=None) -> OrganisationReport:
    """Teams and one account per role for each demo province present in the database.

    Re-running updates in place (the same teams, accounts, roles and password).
    """
    require_development()
    report = OrganisationReport()
    password_hash = make_password(DEMO_PASSWORD)  # one hash for all: PBKDF2 is slow on purpose
    for province_code, district_code in (provinces or DEMO_PROVINCES).items():
        province = Province.objects.filter(code=province_code).first()
        district = District.objects.filter(code=district_code).first()
        if province is None or district is None:
            report.skipped_provinces.append(province_code)
            continue
        report.provinces.append(province_code)
        teamless = _teamless_subdistricts(province_code)
        report.teamless.extend(sorted(teamless))
        teams = {}
        for sub in Subdistrict.objects.filter(province_id=province_code, geom__isnull=False):
            if sub.code in teamless:
                continue
            teams[sub.code], _ = Team.objects.update_or_create(
                subdistrict=sub,
                defaults={
                    "district_id": sub.district_id,
                    "name": f"ชปต. ตำบล{sub.name_th} ({sub.code})",
                    "email": f"team-{sub.code}@demo.invalid",
                    "is_active": True,
                },
            )
        report.teams += len(teams)
        names = {"province": province.name_th, "district": district.name_th}
        for role in ROLE_ORDER:
            title, first, position, level, unit = ACCOUNT_PROFILES[role]
            officer, _ = Officer.objects.update_or_create(
                citizen_id=demo_citizen_id(province_code, role),
                defaults={
                    "title": title,
                    "first_name": first,
                    "last_name": DEMO_LAST_NAME,
                    "position": position.format(**names),
                    "level": level,
                    "unit": unit.format(**names),
                    "email": f"demo-{role.replace('_', '-')}-{province_code}@demo.invalid",
                    "password": password_hash,
                    "must_change_password": False,
                    "is_active": True,
                    "is_staff": role == Role.ADMIN,
                    "is_superuser": role == Role.ADMIN,
                },
            )
            if role in (Role.CENTRAL_OFFICER, Role.ADMIN):
                area = {"province_id": None, "district_id": None}
            elif role in (Role.PROVINCE_OFFICER, Role.GOVERNOR, Role.GIS_ANALYST):
                area = {"province_id": province_code, "district_id": None}
            else:
                area = {"province_id": province_code, "district_id": district_code}
            RoleAssignment.objects.update_or_create(
                officer=officer, role=role, **area, defaults={"is_active": True}
            )
            if role == Role.TEAM_MEMBER:
                for code in _team_member_subdistricts(district_code, teamless):
                    TeamMembership.objects.update_or_create(
                        team=teams[code], officer=officer, defaults={"is_leader": True}
                    )
            report.accounts += 1
    return report


def _area_label(role: str, province: Province | None, district: District | None, officer):
    if role in (Role.CENTRAL_OFFICER, Role.ADMIN):
        return "ทั้งประเทศ"
    if province is None:
        return "?"
    if role in (Role.PROVINCE_OFFICER, Role.GOVERNOR, Role.GIS_ANALYST):
        return f"จ.{province.name_th} ({province.code})"
    if district is None:
        return "?"
    if role == Role.TEAM_MEMBER and officer is not None:
        subs = (
            TeamMembership.objects.filter(officer=officer)
            .order_by("team__subdistrict_id")
            .values_list("team__subdistrict__name_th", "team__subdistrict_id")
        )
        return "ชปต. " + ", ".join(f"ต.{name} ({code})" for name, code in subs)
    return f"อ.{district.name_th} ({district.code})"


def demo_logins() -> list[DemoLogin]:
    """The demo accounts with their known password (development only)."""
    require_development()
    rows = []
    for province_code, district_code in DEMO_PROVINCES.items():
        province = Province.objects.filter(code=province_code).first()
        district = District.objects.filter(code=district_code).first()
        for role in ROLE_ORDER:
            cid = demo_citizen_id(province_code, role)
            officer = Officer.objects.filter(citizen_id=cid, is_active=True).first()
            rows.append(
                DemoLogin(
                    role=role,
                    province=province_code,
                    area=_area_label(role, province, district, officer),
                    citizen_id=cid,
                    password=DEMO_PASSWORD,
                    exists=officer is not None,
                )
            )
    return rows


# --------------------------------------------------------------------------- complaints


@dataclass
class ComplaintsReport:
    requested: int = 0
    created: int = 0
    # Points short of the count, or that no lookup piece covered (should stay 0).
    dropped: int = 0
    seed: int = 0
    until: date | None = None
    years: dict[int, tuple[int, int]] = field(default_factory=dict)  # year → (first, last) seq
    history_rows: int = 0
    seconds: float = 0.0
    skipped: bool = False


def demo_complaints_exist() -> bool:
    return ComplaintHistory.objects.filter(kind=HistoryKind.CREATED, note=DEMO_NOTE).exists()


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into whole numbers proportional to ``weights`` (Hamilton's method);
    ties go to the earlier item, so the split is the same every time.

    >>> _largest_remainder(10, [1, 1, 1])
    [4, 3, 3]
    >>> _largest_remainder(5, [0, 2, 0])
    [0, 5, 0]
    """
    wsum = sum(weights)
    if total <= 0 or wsum <= 0:
        return [0] * len(weights)
    quotas = [total * w / wsum for w in weights]
    counts = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _subdistrict_weights(focus: list[str], focus_share: float):
    """(codes, weights): population where known, else area × the mean density of the rest."""
    rows = list(
        Subdistrict.objects.filter(geom__isnull=False)
        .order_by("code")
        .values_list("code", "province_id", "population", "area_km2")
    )
    known_pop = sum(p for _, _, p, a in rows if p and a)
    known_area = sum(a for _, _, p, a in rows if p and a)
    density = known_pop / known_area if known_area else 1.0
    weights = [float(p) if p else float(a or 0) * density for _, _, p, a in rows]
    # Concentrate a share of the complaints in the demo provinces, so the demo accounts have
    # cases to work on even when the whole country is loaded; within them, still by population.
    in_focus = [r[1] in focus for r in rows]
    w_focus = sum(w for w, f in zip(weights, in_focus, strict=True) if f)
    w_rest = sum(w for w, f in zip(weights, in_focus, strict=True) if not f)
    if 0 < focus_share < 1 and w_focus > 0 and w_rest > 0:
        scale = focus_share * w_rest / ((1 - focus_share) * w_focus)
        weights = [w * scale if f else w for w, f in zip(weights, in_focus, strict=True)]
    return [r[0] for r in rows], weights


def _slots(weights: list[float], size: int = 1000) -> list[int]:
    """Indexes 0..len-1 repeated in proportion to weights: ``slots[floor(u * size)]`` then
    draws index i with probability weights[i] / sum(weights)."""
    out = []
    for i, n in enumerate(_largest_remainder(size, weights)):
        out.extend([i] * n)
    return out


def _choices():
    """One row per thing a complaint can be about: each active sub-category, and each
    'Other' topic. Returns (rows, weights)."""
    mains = list(Category.objects.filter(parent__isnull=True, is_active=True).order_by("code"))
    subs: dict[int, list[Category]] = {}
    for sub in Category.objects.filter(parent__isnull=False, is_active=True).order_by("code"):
        subs.setdefault(sub.parent_id, []).append(sub)
    rows, weights = [], []
    for main in mains:
        main_weight = content.MAIN_CATEGORY_WEIGHTS.get(main.code, content.DEFAULT_MAIN_WEIGHT)
        accused_rate, accused = content.ACCUSED.get(main.code, (0.0, [""]))
        if main.is_other:
            options = [(None, text, text, [desc]) for text, desc in content.OTHER_TOPICS]
        else:
            options = [
                (
                    sub,
                    "",
                    sub.name_th,
                    content.DESCRIPTIONS.get(sub.code)
                    or [content.GENERIC_DESCRIPTION.replace("{name}", sub.name_th)],
                )
                for sub in subs.get(main.pk, [])
            ]
        for sub, sub_text, title, templates in options:
            sla = (sub.effective_sla_days if sub else None) or main.sla_days or 30
            rows.append(
                (
                    len(rows),
                    main.pk,
                    sub.pk if sub else None,
                    sub_text,
                    title,
                    sla,
                    templates,
                    accused_rate,
                    accused,
                )
            )
            weights.append(main_weight / len(options))
    return rows, weights


def _u(h: str, i: int) -> str:
    """SQL for a uniform number in [0, 1) from the i-th 32 bits (0-3) of an md5 hex column."""
    return f"(('x' || substr({h}, {i * 8 + 1}, 8))::bit(32)::bigint::float8 / 4294967296.0::float8)"


def _pick(array: str, u: str) -> str:
    """SQL: a uniformly chosen element of a (non-empty) array column or parameter."""
    return f"({array})[1 + floor({u} * cardinality({array}))::int]"


def _citizen_id_sql(first12: str) -> str:
    """SQL: 12 digits plus their check digit (the rule in ``layers.validators``)."""
    terms = " + ".join(f"substr({first12}, {i}, 1)::int * {14 - i}" for i in range(1, 13))
    return f"({first12} || mod(11 - mod({terms}, 11), 10)::text)"


def _temp_tables(cur, rows: list[tuple], weights: list[float]) -> None:
    # Small lookup tables the big statement joins to: a weighted draw is a join on a slot
    # number (a hash join), which stays fast at a million rows.
    cur.execute(
        """
        CREATE TEMP TABLE demo_choice (
            choice int PRIMARY KEY, main_id bigint, sub_id bigint, sub_text text, title text,
            sla int, templates text[], accused_rate float8, accused text[])
        """
    )
    cur.executemany("INSERT INTO demo_choice VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
    cur.execute("CREATE TEMP TABLE demo_choice_slot (slot int PRIMARY KEY, choice int)")
    cur.execute(
        "INSERT INTO demo_choice_slot SELECT i - 1, c FROM unnest(%s::int[]) WITH ORDINALITY AS t(c, i)",
        [_slots(weights)],
    )
    cur.execute("CREATE TEMP TABLE demo_channel (slot int PRIMARY KEY, channel text, office bool)")
    cur.execute(
        """
        INSERT INTO demo_channel
        SELECT i - 1, (%s::text[])[c + 1], (%s::bool[])[c + 1]
        FROM unnest(%s::int[]) WITH ORDINALITY AS t(c, i)
        """,
        [
            [c for c, _, _ in content.CHANNELS],
            [o for _, _, o in content.CHANNELS],
            _slots([w for _, w, _ in content.CHANNELS], 100),
        ],
    )
    cur.execute("CREATE TEMP TABLE demo_result (slot int PRIMARY KEY, result text, notes text[])")
    cur.executemany(
        "INSERT INTO demo_result VALUES (%s, %s, %s)",
        [
            (slot, content.CLOSE_RESULTS[i][0], content.CLOSE_RESULTS[i][2])
            for slot, i in enumerate(_slots([w for _, w, _ in content.CLOSE_RESULTS], 100))
        ],
    )
    cur.execute(
        "CREATE TEMP TABLE demo_forward (slot int PRIMARY KEY, target text, agencies text[], label text)"
    )
    with translation.override(settings.LANGUAGE_CODE):
        labels = {t: str(ForwardTarget(t).label) for t, _, _ in content.FORWARD_TARGETS}
    cur.executemany(
        "INSERT INTO demo_forward VALUES (%s, %s, %s, %s)",
        [
            (
                slot,
                content.FORWARD_TARGETS[i][0],
                content.FORWARD_TARGETS[i][2],
                labels[content.FORWARD_TARGETS[i][0]],
            )
            for slot, i in enumerate(_slots([w for _, w, _ in content.FORWARD_TARGETS], 100))
        ],
    )


# The attributes of every complaint, in one statement over the points. Each row draws its
# randomness from md5(seed, row number): three hashes give twelve uniform numbers (u0..u11),
# a person hash gives the complainant, an accused hash the accused party. Raw SQL because it
# is set-based work on a temporary table that the ORM cannot express.
STAGE_SQL = """
CREATE TEMP TABLE demo_stage AS
WITH h AS MATERIALIZED (
    SELECT p.n, p.location, p.subdistrict_code, p.district_code, p.province_code,
           md5(%(seed)s || ':a:' || p.n) AS ha,
           md5(%(seed)s || ':b:' || p.n) AS hb,
           md5(%(seed)s || ':c:' || p.n) AS hc,
           md5(%(seed)s || ':d:' || p.n) AS hd,
           md5(%(seed)s || ':e:' || p.n) AS he
    FROM demo_pt p
    WHERE p.subdistrict_code IS NOT NULL
), u AS MATERIALIZED (
    SELECT h.n, h.location, h.subdistrict_code, h.district_code, h.province_code,
           {u0} AS u0, {u1} AS u1, {u2} AS u2, {u3} AS u3,
           {u4} AS u4, {u5} AS u5, {u6} AS u6, {u7} AS u7,
           {u8} AS u8, {u9} AS u9, {u10} AS u10, {u11} AS u11,
           {u12} AS u12, {u13} AS u13, {u14} AS u14, {u15} AS u15,
           {u16} AS u16, {u17} AS u17, {u18} AS u18, {u19} AS u19
    FROM h
), pace AS MATERIALIZED (
    -- Each district works at its own pace: its share of closed cases varies.
    SELECT code, 0.78 + 0.22 * {ud} AS pace FROM boundaries_district
), d AS MATERIALIZED (
    SELECT u.*, cs.choice, c.sla, c.accused_rate, ch.channel, ch.office,
           t.id AS team_id, pace.pace,
           (%(until)s::date - 1 - floor(u.u0 * %(days)s)::int) AS day0,
           1 + floor(u.u10 * 12)::int AS moo,
           md5(%(seed)s || ':p:' || CASE WHEN u.u8 < 0.06
                THEN 'r' || floor(u.u8 / 0.06 * %(repeat_pool)s)::bigint
                ELSE 'u' || u.n END) AS hp
    FROM u
    JOIN demo_choice_slot cs ON cs.slot = floor(u.u2 * 1000)::int
    JOIN demo_choice c ON c.choice = cs.choice
    JOIN demo_channel ch ON ch.slot = floor(u.u4 * 100)::int
    JOIN pace ON pace.code = u.district_code
    LEFT JOIN layers_team t ON t.subdistrict_id = u.subdistrict_code AND t.is_active
), r AS (
    SELECT d.*,
           -- Walk-ins, letters and calls come on weekdays in office hours.
           CASE WHEN d.office AND extract(isodow FROM d.day0) > 5
                THEN d.day0 - (extract(isodow FROM d.day0)::int - 5) ELSE d.day0 END AS day
    FROM d
), s AS MATERIALIZED (
    SELECT r.*,
           date_trunc('minute', (
               CASE WHEN r.office
                    THEN r.day + time '08:30' + r.u1 * interval '8 hours'
                    ELSE r.day + r.u1 * interval '24 hours' END
           ) AT TIME ZONE 'Asia/Bangkok') AS received_at,
           extract(year FROM r.day)::int + 543 AS year,
           md5(r.hp) AS hp2
    FROM r
), a AS MATERIALIZED (
    SELECT s.*,
           extract(epoch FROM (%(until_ts)s::timestamptz - s.received_at))::float8 / 86400.0 AS age_days
    FROM s
), st AS (
    SELECT a.*,
           CASE
               WHEN a.u5 < 0.95 * (1 - exp(-a.age_days / 40.0)) * a.pace THEN 'closed'
               -- Open cases: where they sit now. Routing puts a case of a sub-district with a
               -- team straight to "assigned"; without a team the district works it itself.
               WHEN a.u6 < 0.12 THEN 'forwarded'
               WHEN a.u6 < 0.30 THEN CASE WHEN a.team_id IS NULL THEN 'received' ELSE 'assigned' END
               WHEN a.u6 < 0.55 THEN CASE WHEN a.team_id IS NULL THEN 'in_progress' ELSE 'assigned' END
               ELSE 'in_progress'
           END AS status,
           -- Days to close: mostly inside the SLA, a tail beyond it (overdue).
           LEAST(a.sla * (0.05 + 1.5 * a.u7 * a.u7), a.age_days * (0.2 + 0.75 * a.u19)) AS close_days
    FROM a
)
SELECT st.n, st.location, st.subdistrict_code, st.district_code, st.province_code,
       st.year, st.received_at,
       row_number() OVER (PARTITION BY st.year ORDER BY st.received_at, st.n) AS rn,
       c.main_id, c.sub_id, c.sub_text, c.title, st.sla, st.channel, st.team_id, st.status,
       replace(replace(replace({template}, '{{moo}}', st.moo::text), '{{tambon}}', sd.name_th),
               '{{amphoe}}', di.name_th) AS description,
       CASE WHEN st.province_code = '10'
            THEN 'หมู่ที่ ' || st.moo || ' แขวง' || sd.name_th
            ELSE 'หมู่ที่ ' || st.moo || ' ต.' || sd.name_th END AS location_note,
       CASE WHEN {hp0} < 0.5 THEN 'นาย' WHEN {hp1} < 0.55 THEN 'นาง' ELSE 'นางสาว' END
           || CASE WHEN {hp0} < 0.5 THEN {male} ELSE {female} END || ' ' || {last}
           AS complainant_name,
       -- Some callers to the hotline do not give their citizen ID.
       CASE WHEN st.channel IN ('hotline_1567', 'phone', 'online') AND st.u11 < 0.25 THEN ''
            ELSE {citizen_id} END AS complainant_citizen_id,
       CASE WHEN st.u11 > 0.95 THEN ''
            ELSE '0' || (ARRAY['6', '8', '9'])[1 + floor({hp3} * 3)::int]
                 || lpad((('x' || substr(st.hp2, 17, 8))::bit(32)::bigint %% 100000000)::text, 8, '0')
       END AS complainant_phone,
       CASE WHEN st.province_code = '10'
            THEN 'บ้านเลขที่ ' || (1 + floor(st.u3 * 250)::int) || ' แขวง' || sd.name_th
                 || ' ' || di.name_th || ' ' || pr.name_th
            ELSE 'บ้านเลขที่ ' || (1 + floor(st.u3 * 250)::int) || ' หมู่ที่ ' || st.moo
                 || ' ต.' || sd.name_th || ' อ.' || di.name_th || ' จ.' || pr.name_th
       END AS complainant_address,
       CASE WHEN st.u9 < st.accused_rate
            THEN md5(%(seed)s || ':x:' || floor(st.u9 / st.accused_rate * %(accused_pool)s)::bigint)
       END AS hx,
       {accused_detail} AS accused_detail,
       st.sla AS due_days, st.close_days, st.age_days,
       st.u12, st.u13, st.u14, st.u16, st.u17, st.u19
FROM st
JOIN demo_choice c ON c.choice = st.choice
JOIN boundaries_subdistrict sd ON sd.code = st.subdistrict_code
JOIN boundaries_district di ON di.code = st.district_code
JOIN boundaries_province pr ON pr.code = st.province_code
"""


def _stage_sql() -> str:
    uniforms = {}
    for i in range(20):
        uniforms[f"u{i}"] = _u(("ha", "hb", "hc", "hd", "he")[i // 4], i % 4)
    first12 = (
        "(CASE WHEN {a} < 0.6 THEN '1' ELSE '3' END || "
        "lpad((('x' || substr(st.hp2, 1, 15))::bit(60)::bigint %% 100000000000)::text, 11, '0'))"
    ).format(a=_u("st.hp", 3))
    return STAGE_SQL.format(
        **uniforms,
        ud=_u("md5(%(seed)s || ':district:' || code)", 0),
        template=_pick("c.templates", "st.u15"),
        hp0=_u("st.hp", 0),
        hp1=_u("st.hp", 1),
        hp3=_u("st.hp2", 3),
        male=_pick("%(male)s::text[]", _u("st.hp", 2)),
        female=_pick("%(female)s::text[]", _u("st.hp", 2)),
        last=_pick("%(last)s::text[]", _u("st.hp2", 2)),
        citizen_id=_citizen_id_sql(first12),
        accused_detail=f"CASE WHEN st.u9 < st.accused_rate THEN {_pick('c.accused', 'st.u18')}"
        " ELSE '' END",
    )


# From the stage to the complaint table, tracking numbers included: rows are numbered per
# B.E. year in order of receipt, after the block of numbers reserved for this run.
INSERT_SQL = """
WITH x AS (
    SELECT s.*, y.first_seq - 1 + s.rn AS seq,
           CASE WHEN s.hx IS NULL THEN NULL ELSE {accused_name} END AS accused_name_,
           CASE WHEN s.status = 'closed' OR s.status = 'forwarded' OR s.status = 'in_progress'
                THEN TRUE ELSE FALSE END AS started
    FROM demo_stage s
    JOIN unnest(%(years)s::int[], %(firsts)s::int[]) AS y(year, first_seq) ON y.year = s.year
), f AS (
    SELECT x.*,
           CASE
               WHEN x.status = 'forwarded' THEN fw.target
               -- One closed case in ten went up (or out) before it was closed.
               WHEN x.status = 'closed' AND x.u14 < 0.1 THEN fw.target
               ELSE '' END AS forwarded_to,
           fw.agencies, fw.label, rs.result, rs.notes,
           CASE x.status
               WHEN 'closed' THEN x.received_at + x.close_days * interval '1 day'
               WHEN 'forwarded' THEN x.received_at
                    + x.age_days * (0.3 + 0.6 * x.u19) * interval '1 day'
               WHEN 'in_progress' THEN x.received_at
                    + x.age_days * 0.8 * x.u19 * interval '1 day'
               WHEN 'assigned' THEN x.received_at + interval '2 minutes'
               ELSE x.received_at END AS changed_raw
    FROM x
    JOIN demo_forward fw ON fw.slot = floor(x.u12 * 100)::int
    JOIN demo_result rs ON rs.slot = floor(x.u13 * 100)::int
), g AS (
    SELECT f.*,
           GREATEST(LEAST(f.changed_raw, %(until_ts)s::timestamptz - interval '1 minute'),
                    f.received_at + CASE f.status WHEN 'received' THEN interval '0'
                                                  WHEN 'assigned' THEN interval '2 minutes'
                                                  ELSE interval '5 minutes' END) AS changed
    FROM f
)
INSERT INTO layers_complaint (
    tracking_no, tracking_year, tracking_seq, location, subdistrict_code, district_code,
    province_code, location_note, category_id, subcategory_id, subcategory_text, channel,
    complainant_name, complainant_citizen_id, complainant_phone, complainant_address,
    accused_name, accused_detail, title, description, status, received_at, status_changed_at,
    closed_at, due_at, close_result, close_note, forwarded_to, forwarded_agency,
    assigned_team_id, created_by_id, version, created_at, updated_at)
SELECT g.year || '-' || lpad(g.seq::text, %(digits)s, '0'), g.year, g.seq, g.location,
       g.subdistrict_code, g.district_code, g.province_code, g.location_note, g.main_id,
       g.sub_id, g.sub_text, g.channel, g.complainant_name, g.complainant_citizen_id,
       g.complainant_phone, g.complainant_address, COALESCE(g.accused_name_, ''),
       g.accused_detail, g.title, g.description, g.status, g.received_at, g.changed,
       CASE WHEN g.status = 'closed' THEN g.changed END,
       g.received_at + g.due_days * interval '1 day',
       CASE WHEN g.status = 'closed' THEN g.result ELSE '' END,
       CASE WHEN g.status = 'closed' THEN {close_note} ELSE '' END,
       g.forwarded_to,
       CASE WHEN g.forwarded_to = 'agency' THEN {agency} ELSE '' END,
       CASE WHEN g.status = 'received' THEN NULL ELSE g.team_id END,
       NULL,
       -- One version per history row (see HISTORY_SQL).
       1 + (g.team_id IS NOT NULL AND g.status <> 'received')::int + g.started::int
         + (g.forwarded_to <> '')::int + (g.status = 'closed')::int,
       g.received_at, g.changed
FROM g
ORDER BY g.year, g.seq
"""


def _insert_sql() -> str:
    return INSERT_SQL.format(
        accused_name=(
            "(CASE WHEN {a} < 0.5 THEN 'นาย' || {male} ELSE 'นาง' || {female} END || ' ' || {last})"
        ).format(
            a=_u("s.hx", 0),
            male=_pick("%(male)s::text[]", _u("s.hx", 1)),
            female=_pick("%(female)s::text[]", _u("s.hx", 1)),
            last=_pick("%(last)s::text[]", _u("s.hx", 2)),
        ),
        close_note=_pick("g.notes", "g.u17"),
        agency=_pick("g.agencies", "g.u16"),
    )


# The history of each new demo case, one INSERT ... SELECT per kind of step, with times
# between receipt and the last status change: created, assigned to the team (routing at
# intake), work started, forwarded, closed. The same rows the services write one by one.
HISTORY_SQL = [
    # created
    """
    INSERT INTO layers_complainthistory
        (complaint_id, kind, from_status, to_status, from_value, to_value, note, actor_id, at)
    SELECT c.id, 'created', '', 'received', '', c.subdistrict_code, %(note)s, NULL, c.received_at
    FROM layers_complaint c {batch}
    """,
    # assigned by routing on intake, minutes after receipt
    """
    INSERT INTO layers_complainthistory
        (complaint_id, kind, from_status, to_status, from_value, to_value, note, actor_id, at)
    SELECT c.id, 'assigned', 'received', 'assigned', '', t.name, '', NULL,
           LEAST(c.received_at + interval '2 minutes', c.status_changed_at)
    FROM layers_complaint c JOIN layers_team t ON t.id = c.assigned_team_id {batch}
    """,
    # work started (by the team, or by the district itself)
    """
    INSERT INTO layers_complainthistory
        (complaint_id, kind, from_status, to_status, from_value, to_value, note, actor_id, at)
    SELECT c.id, 'status',
           CASE WHEN c.assigned_team_id IS NULL THEN 'received' ELSE 'assigned' END,
           'in_progress', '', '', %(start_note)s, NULL,
           CASE WHEN c.status = 'in_progress' THEN c.status_changed_at
                ELSE GREATEST(c.received_at + interval '3 minutes',
                              c.received_at + (c.status_changed_at - c.received_at) * 0.3) END
    FROM layers_complaint c {batch} AND c.status IN ('in_progress', 'forwarded', 'closed')
    """,
    # forwarded up or out
    """
    INSERT INTO layers_complainthistory
        (complaint_id, kind, from_status, to_status, from_value, to_value, note, actor_id, at)
    SELECT c.id, 'forwarded', 'in_progress', 'forwarded', '',
           CASE WHEN c.forwarded_agency <> '' THEN c.forwarded_agency
                ELSE (%(labels)s::jsonb) ->> c.forwarded_to END,
           %(forward_note)s, NULL,
           CASE WHEN c.status = 'forwarded' THEN c.status_changed_at
                ELSE GREATEST(c.received_at + interval '4 minutes',
                              c.received_at + (c.status_changed_at - c.received_at) * 0.6) END
    FROM layers_complaint c {batch} AND c.forwarded_to <> ''
    """,
    # closed with a result and a note
    """
    INSERT INTO layers_complainthistory
        (complaint_id, kind, from_status, to_status, from_value, to_value, note, actor_id, at)
    SELECT c.id, 'closed',
           CASE WHEN c.forwarded_to <> '' THEN 'forwarded' ELSE 'in_progress' END,
           'closed', '', c.close_result, c.close_note, NULL, c.status_changed_at
    FROM layers_complaint c {batch} AND c.status = 'closed'
    """,
]
DEMO_TEMP_TABLES = (
    "demo_pt",
    "demo_stage",
    "demo_choice",
    "demo_choice_slot",
    "demo_channel",
    "demo_result",
    "demo_forward",
)
BATCH_WHERE = "WHERE c.tracking_year = %(year)s AND c.tracking_seq BETWEEN %(first)s AND %(last)s"


def _analyze(cur, *tables: str) -> None:
    """Planner statistics for tables this run reads or has just filled.

    Without them the planner guesses: autovacuum never analyses temporary tables, may not have
    reached tables filled moments ago (boundaries just loaded, teams just made; it is off on
    some servers), and the points were analysed before they had their area codes, so the
    staging query saw one row where there were a million. A bench run at 1 M complaints took
    over 20 minutes on such a plan, about one minute after ANALYZE (bench/README.md). Cheap:
    ANALYZE reads a sample of at most 30,000 rows (tens of milliseconds here). Table names
    are this module's constants, never input.
    """
    for table in tables:
        cur.execute(f"ANALYZE {table}")


def demo_complaints_seed(
    *,
    count: int = DEFAULT_COUNT,
    seed: int = DEFAULT_SEED,
    until: date | None = None,
    focus_provinces: list[str] | None = None,
    focus_share: float = DEFAULT_FOCUS_SHARE,
    progress: Callable[[str], None] | None = None,
) -> ComplaintsReport:
    """Create ``count`` demo complaints received over the ``PERIOD_DAYS`` days before ``until``
    (default: today in Bangkok). One transaction: a failure leaves nothing behind."""
    if count < 1:
        raise ValueError("count must be at least 1")
    if seed < 1:
        raise ValueError("seed must be a positive whole number")
    started = time.monotonic()
    say = progress or (lambda message: None)
    until = until or timezone.localdate()
    focus = list(DEMO_PROVINCES) if focus_provinces is None else list(focus_provinces)
    report = ComplaintsReport(requested=count, seed=seed, until=until)

    def step(message: str) -> None:
        say(f"[{time.monotonic() - started:7.1f} s] {message}")

    codes, weights = _subdistrict_weights(focus, focus_share)
    if not codes:
        raise ValueError("no sub-district boundaries are loaded: run load_boundaries first")
    ks = _largest_remainder(count, weights)
    picked = [(c, k) for c, k in zip(codes, ks, strict=True) if k > 0]
    rows, choice_weights = _choices()
    if not rows:
        raise ValueError("no categories: run migrate (the category tree is seeded there)")
    params = {
        "seed": str(seed),
        "until": until.isoformat(),
        "until_ts": f"{until.isoformat()} 00:00:00+07:00",
        "days": PERIOD_DAYS,
        "repeat_pool": max(1, count // 40),
        "accused_pool": max(1, count // 8),
        "male": content.MALE_FIRST_NAMES,
        "female": content.FEMALE_FIRST_NAMES,
        "last": content.LAST_NAMES,
    }
    with transaction.atomic(), connection.cursor() as cur:
        # Big sorts and hash joins in memory rather than on disk, for this transaction only.
        cur.execute("SET LOCAL work_mem = '256MB'")
        for table in DEMO_TEMP_TABLES:
            cur.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
        _temp_tables(cur, rows, choice_weights)
        _analyze(
            cur,
            "boundaries_province",
            "boundaries_district",
            "boundaries_subdistrict",
            "layers_team",
            # The small lookup tables just filled:
            "demo_choice",
            "demo_choice_slot",
            "demo_channel",
            "demo_result",
            "demo_forward",
        )
        step(f"generating {count:,} points in {len(picked):,} sub-districts")
        # Raw SQL: ST_GeneratePoints with a seed per sub-district (its code), so the points
        # are the same every run; numbered in code order, then in the order generated. On a
        # multipolygon (islands) it shares the points out by area and rounds, so it may return
        # one or two fewer or more than asked: ask a few more and keep the first k.
        cur.execute(
            """
            CREATE TEMP TABLE demo_pt AS
            SELECT (row_number() OVER (ORDER BY a.code, d.path[1]))::int AS n,
                   d.geom::geometry(Point, 4326) AS location,
                   NULL::varchar(6) AS subdistrict_code,
                   NULL::varchar(6) AS district_code,
                   NULL::varchar(6) AS province_code
            FROM unnest(%(codes)s::text[], %(ks)s::int[]) AS a(code, k)
            JOIN boundaries_subdistrict s ON s.code = a.code
            CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(
                s.geom,
                a.k + 5 + a.k / 50,
                1 + mod(%(seed)s::bigint * 1000003 + a.code::bigint, 2147483000)::int
            )) AS d
            WHERE d.path[1] <= a.k
            """,
            {"codes": [c for c, _ in picked], "ks": [k for _, k in picked], "seed": seed},
        )
        cur.execute("SELECT count(*) FROM demo_pt")
        report.dropped = count - cur.fetchone()[0]
        _analyze(cur, "demo_pt")  # the bulk assignment joins on it
        step("assigning sub-district, district and province from each point")
        assign_areas_to_points(table="demo_pt", pk="n")
        cur.execute("SELECT count(*) FROM demo_pt WHERE subdistrict_code IS NULL")
        report.dropped += cur.fetchone()[0]
        step("drawing categories, people, channels, dates and statuses")
        # Again: the codes are filled now, and the staging query filters and joins on them.
        _analyze(cur, "demo_pt")
        cur.execute(_stage_sql(), params)
        _analyze(cur, "demo_stage")
        cur.execute("SELECT year, count(*) FROM demo_stage GROUP BY year ORDER BY year")
        per_year = cur.fetchall()
        # The counters are locked from here to the commit: intakes meanwhile wait, then
        # continue after the demo numbers.
        firsts = {}
        for year, n in per_year:
            firsts[year] = tracking_number_issue(year_be=year, count=n)
            report.years[year] = (firsts[year], firsts[year] + n - 1)
        step(f"writing {sum(n for _, n in per_year):,} complaints")
        cur.execute(
            _insert_sql(),
            {
                **params,
                "years": list(firsts),
                "firsts": list(firsts.values()),
                "digits": TRACKING_SEQ_DIGITS,
            },
        )
        report.created = cur.rowcount
        # The history statements read the new complaints back (and so do the pages, next).
        _analyze(cur, "layers_complaint")
        step("writing the history of each case")
        with translation.override(settings.LANGUAGE_CODE):
            labels = {t: str(ForwardTarget(t).label) for t in ForwardTarget.values}
        for sql in HISTORY_SQL:
            for year, (first, last) in report.years.items():
                cur.execute(
                    sql.format(batch=BATCH_WHERE),
                    {
                        "year": year,
                        "first": first,
                        "last": last,
                        "note": DEMO_NOTE,
                        "start_note": content.START_NOTE,
                        "forward_note": content.FORWARD_NOTE,
                        "labels": json.dumps(labels, ensure_ascii=False),
                    },
                )
                report.history_rows += cur.rowcount
        _analyze(cur, "layers_complainthistory")
        for table in DEMO_TEMP_TABLES:
            cur.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
        step("committing")
    report.seconds = time.monotonic() - started
    step(f"done: {report.created:,} complaints, {report.history_rows:,} history rows")
    return report


@dataclass
class DemoReport:
    organisation: OrganisationReport | None
    complaints: ComplaintsReport


def demo_seed(
    *,
    count: int = DEFAULT_COUNT,
    seed: int = DEFAULT_SEED,
    if_empty: bool = False,
    accounts: bool = True,
    until: date | None = None,
    focus_provinces: list[str] | None = None,
    focus_share: float = DEFAULT_FOCUS_SHARE,
    progress: Callable[[str], None] | None = None,
) -> DemoReport:
    """The organisation first (so that demo cases go to the demo teams), then the complaints.

    ``accounts=False`` makes complaints only, for benchmarks (allowed outside development).
    ``if_empty`` skips the complaints when demo complaints exist already.
    """
    organisation = None
    if accounts:
        organisation = demo_organisation_seed()
    if if_empty and demo_complaints_exist():
        return DemoReport(organisation, ComplaintsReport(requested=count, seed=seed, skipped=True))
    complaints = demo_complaints_seed(
        count=count,
        seed=seed,
        until=until,
        focus_provinces=focus_provinces,
        focus_share=focus_share,
        progress=progress,
    )
    return DemoReport(organisation, complaints)


__all__ = [
    "DEMO_NOTE",
    "DEMO_PASSWORD",
    "DEMO_PROVINCES",
    "DemoLogin",
    "DemoRefused",
    "demo_citizen_id",
    "demo_complaints_exist",
    "demo_complaints_seed",
    "demo_logins",
    "demo_organisation_seed",
    "demo_seed",
    "require_development",
]
