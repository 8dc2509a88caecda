"""Demo data (seed_demo, demo_logins) on the sample boundaries: small counts, real PostGIS."""

import doctest
from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.test import RequestFactory, override_settings

import layers.demo.organisation
import layers.demo.paths
import layers.demo.weights
import layers.services.complaints
from boundaries.models import District, Province, Subdistrict
from layers.demo import (
    DEMO_NOTE,
    DEMO_PASSWORD,
    DEMO_PROVINCES,
    PERIOD_DAYS,
    ROLE_ORDER,
    demo_citizen_id,
    demo_complaints_seed,
    demo_seed,
)
from layers.identity import person_columns
from layers.models import (
    Category,
    CloseResult,
    Complaint,
    ComplaintHistory,
    HistoryKind,
    Officer,
    Role,
    RoleAssignment,
    Status,
    Team,
    TeamMembership,
    TrackingCounter,
)
from layers.rules import due_at_for
from layers.selectors.scope import complaints_visible_to
from layers.thaitext import normalize_text
from layers.validators import is_valid_citizen_id, validate_thai_phone
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db

UNTIL = date(2026, 11, 1)
BANGKOK = ZoneInfo("Asia/Bangkok")
UNTIL_TS = datetime.combine(UNTIL, time(0, 0), tzinfo=BANGKOK)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The demo accounts are checked by logging in 16 times; PBKDF2 is slow by design.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded():
    """The organisation and 400 complaints over the two sample provinces."""
    return demo_seed(count=400, seed=11, until=UNTIL)


def snapshot():
    return [
        (c.tracking_no, c.location.x, c.location.y, c.subdistrict_id, c.status, c.category_id)
        for c in Complaint.objects.order_by("tracking_no")
    ]


# ---------------------------------------------------------------- complaints


def test_counts(seeded):
    c = seeded.complaints
    assert (c.requested, c.created, c.dropped) == (400, 400, 0)
    assert Complaint.objects.count() == 400
    assert ComplaintHistory.objects.count() == c.history_rows
    assert ComplaintHistory.objects.filter(kind=HistoryKind.CREATED, note=DEMO_NOTE).count() == 400


def test_same_seed_same_complaints():
    with transaction.atomic():
        demo_complaints_seed(count=150, seed=7, until=UNTIL)
        first = snapshot()
        transaction.set_rollback(True)
    assert Complaint.objects.count() == 0
    demo_complaints_seed(count=150, seed=7, until=UNTIL)
    assert snapshot() == first
    assert len(first) == 150


def test_other_seed_gives_other_points():
    with transaction.atomic():
        demo_complaints_seed(count=100, seed=7, until=UNTIL)
        seven = {(x, y) for _, x, y, *_ in snapshot()}
        transaction.set_rollback(True)
    demo_complaints_seed(count=100, seed=8, until=UNTIL)
    eight = {(x, y) for _, x, y, *_ in snapshot()}
    assert len(seven) == len(eight) == 100
    assert not seven & eight


def test_every_demo_complaint_has_the_codes_of_the_raw_polygons(seeded):
    # Independently of the lookup table: the lowest-coded raw sub-district polygon covering the
    # point, and that its district and province polygons cover it too.
    raw_sub = Subdistrict.objects.filter(geom__covers=OuterRef("location")).order_by("code")
    rows = Complaint.objects.annotate(raw=Subquery(raw_sub.values("code")[:1])).values_list(
        "raw", "subdistrict_id", "district_id", "province_id"
    )
    subs = {s.code: s for s in Subdistrict.objects.all()}
    checked = 0
    for raw, sub, dist, prov in rows:
        assert raw == sub
        assert (subs[raw].district_id, subs[raw].province_id) == (dist, prov)
        checked += 1
    assert checked == 400
    for model, column in ((District, "district_id"), (Province, "province_id")):
        covering = model.objects.filter(code=OuterRef(column), geom__covers=OuterRef("location"))
        assert not Complaint.objects.filter(~Exists(covering)).exists()


def test_spread_over_statuses_results_categories_channels_areas_and_two_years(seeded):
    qs = Complaint.objects.all()
    assert set(qs.values_list("status", flat=True)) == set(Status.values)
    assert len(set(qs.values_list("close_result", flat=True)) - {""}) >= 4
    mains = Category.objects.filter(parent__isnull=True).count()
    assert qs.values("category").distinct().count() >= mains - 1
    assert qs.values("subcategory").distinct().count() >= 25
    assert set(qs.values_list("channel", flat=True)) == {
        "walk_in",
        "phone",
        "letter",
        "online",
        "hotline_1567",
    }
    assert set(qs.values_list("province_id", flat=True)) == {"48", "49"}
    assert qs.values("district_id").distinct().count() >= 15
    first, last = (
        min(qs.values_list("received_at", flat=True)),
        max(qs.values_list("received_at", flat=True)),
    )
    assert first >= UNTIL_TS - timedelta(days=PERIOD_DAYS + 1)
    assert last < UNTIL_TS
    assert last - first > timedelta(days=600)
    assert set(qs.values_list("tracking_year", flat=True)) == {2567, 2568, 2569}
    assert qs.exclude(accused_name="").count() > 40


def test_other_complaints_have_words_and_no_sub_category(seeded):
    other = Complaint.objects.filter(category__code="other")
    assert other.exists()
    assert not other.filter(Q(subcategory_text="") | Q(subcategory__isnull=False)).exists()
    listed = Complaint.objects.exclude(category__code="other")
    assert not listed.filter(Q(subcategory__isnull=True) | ~Q(subcategory_text="")).exists()
    for c in listed.select_related("subcategory"):
        assert c.subcategory.parent_id == c.category_id


def test_more_people_more_complaints(seeded):
    # Weighted by population: the ten most populous sub-districts get more than the ten least.
    subs = Subdistrict.objects.filter(population__isnull=False).annotate(n=Count("complaints"))
    top = sum(s.n for s in subs.order_by("-population")[:10])
    bottom = sum(s.n for s in subs.order_by("population")[:10])
    assert top > 2 * bottom


def test_people_are_synthetic_but_valid(seeded):
    ids = [i for i in Complaint.objects.values_list("complainant_citizen_id", flat=True) if i]
    assert len(ids) > 300
    assert all(is_valid_citizen_id(i) for i in ids)
    # Some people complain more than once (duplicate detection has something to find).
    assert len(set(ids)) < len(ids)
    for phone in Complaint.objects.exclude(complainant_phone="").values_list(
        "complainant_phone", flat=True
    ):
        validate_thai_phone(phone)
    assert not Complaint.objects.filter(complainant_name="").exists()
    assert not Complaint.objects.filter(description="").exists()


def test_comparison_columns_are_those_of_the_python_functions(seeded):
    """The demo SQL computes the keyed hashes (pgcrypto's hmac) and the normalised names and
    descriptions itself, set-based: they must equal what intake computes in Python."""
    rows = Complaint.objects.values_list(
        "complainant_citizen_id",
        "complainant_phone",
        "complainant_name",
        "accused_name",
        "description",
        "complainant_cid_hash",
        "complainant_phone_hash",
        "complainant_name_norm",
        "accused_name_norm",
        "description_norm",
    )
    accused = 0
    for cid, phone, name, accused_name, description, *stored in rows:
        expected = person_columns(citizen_id=cid, phone=phone, name=name, accused_name=accused_name)
        assert stored[:4] == [
            expected["complainant_cid_hash"],
            expected["complainant_phone_hash"],
            expected["complainant_name_norm"],
            expected["accused_name_norm"],
        ], (name, accused_name)
        assert stored[4] == normalize_text(description)
        accused += bool(accused_name)
    assert accused > 20 and any(r[5] for r in rows) and any(r[6] for r in rows)


def test_dates_statuses_and_history_agree(seeded):
    history = {}
    for row in ComplaintHistory.objects.order_by("at", "id"):
        history.setdefault(row.complaint_id, []).append(row)
    for c in Complaint.objects.select_related("category", "subcategory", "assigned_team"):
        rows = history[c.pk]
        assert rows[0].kind == HistoryKind.CREATED and rows[0].note == DEMO_NOTE
        assert rows[0].at == c.received_at
        assert c.version == len(rows)
        assert rows[-1].to_status == c.status
        assert rows[-1].at == c.status_changed_at
        for before, after in zip(rows, rows[1:], strict=False):
            assert after.from_status == before.to_status
        assert c.received_at <= c.status_changed_at < UNTIL_TS
        local = c.received_at.astimezone(BANGKOK)
        assert c.tracking_year == local.year + 543
        assert c.tracking_no == f"{c.tracking_year}-{c.tracking_seq:07d}"
        # The due-date rule, from receipt or the last reopening (test_demo_replay for more).
        reopened = [r.at for r in rows if r.kind == HistoryKind.REOPENED]
        start = reopened[-1] if reopened else c.received_at
        assert c.due_at == due_at_for(start=start, category=c.category, subcategory=c.subcategory)
        assert c.due_at is not None  # every category of the migration has an SLA
        if c.status == Status.CLOSED:
            assert c.close_result in CloseResult.values and c.close_note
            assert c.closed_at == c.status_changed_at
        else:
            assert c.closed_at is None and c.close_result == ""
        if c.status == Status.FORWARDED:
            assert c.forwarded_to
        if c.assigned_team is not None:
            assert c.assigned_team.subdistrict_id == c.subdistrict_id
        else:
            assert not Team.objects.filter(subdistrict_id=c.subdistrict_id).exists() or (
                c.status == Status.RECEIVED
            )
        if c.status == Status.ASSIGNED:
            assert c.assigned_team is not None


def test_intake_continues_after_the_demo_numbers(seeded):
    year, (first, last) = max(seeded.complaints.years.items())
    assert TrackingCounter.objects.get(year_be=year).last_seq == last
    received = datetime(year - 543, 6, 1, 10, 0, tzinfo=BANGKOK)
    assert make_complaint(received_at=received).tracking_seq == last + 1


def test_if_empty_is_idempotent():
    out = StringIO()
    call_command("seed_demo", count=60, seed=3, until="2026-11-01", if_empty=True, stdout=out)
    counts = (
        Complaint.objects.count(),
        ComplaintHistory.objects.count(),
        Officer.objects.count(),
        RoleAssignment.objects.count(),
        Team.objects.count(),
        TeamMembership.objects.count(),
    )
    assert counts[0] == 60
    call_command("seed_demo", count=60, seed=3, if_empty=True, stdout=out)
    assert "none added" in out.getvalue()
    assert (
        Complaint.objects.count(),
        ComplaintHistory.objects.count(),
        Officer.objects.count(),
        RoleAssignment.objects.count(),
        Team.objects.count(),
        TeamMembership.objects.count(),
    ) == counts


def test_without_if_empty_a_second_run_adds_more():
    demo_complaints_seed(count=30, seed=3, until=UNTIL)
    demo_complaints_seed(count=30, seed=3, until=UNTIL)
    assert Complaint.objects.count() == 60
    assert Complaint.objects.values("tracking_no").distinct().count() == 60


# ---------------------------------------------------------------- organisation and accounts


def test_one_account_of_each_role_per_demo_province_bound_to_its_area(seeded):
    assert seeded.organisation.accounts == 16
    for province, district in DEMO_PROVINCES.items():
        for role in ROLE_ORDER:
            cid = demo_citizen_id(province, role)
            assert is_valid_citizen_id(cid)
            # With a request, as every login has one (the lock-out backend insists on it).
            request = RequestFactory().post("/accounts/login/")
            officer = authenticate(request, username=cid, password=DEMO_PASSWORD)
            assert officer is not None, (province, role)
            assert not officer.must_change_password
            assignment = RoleAssignment.objects.get(officer=officer)
            assert assignment.role == role and assignment.is_active
            expected = {
                Role.DISTRICT_OFFICER: (province, district),
                Role.DISTRICT_CHIEF: (province, district),
                Role.TEAM_MEMBER: (province, district),
                Role.PROVINCE_OFFICER: (province, None),
                Role.GOVERNOR: (province, None),
                Role.GIS_ANALYST: (province, None),
                Role.CENTRAL_OFFICER: (None, None),
                Role.ADMIN: (None, None),
            }[role]
            assert (assignment.province_id, assignment.district_id) == expected
            assert officer.is_staff == officer.is_superuser == (role == Role.ADMIN)
            if role == Role.TEAM_MEMBER:
                teams = Team.objects.filter(memberships__officer=officer)
                assert teams.count() == 2
                assert {t.district_id for t in teams} == {district}


def test_demo_accounts_see_their_own_area(seeded):
    district_officer = Officer.objects.get(citizen_id=demo_citizen_id("49", Role.DISTRICT_OFFICER))
    seen = complaints_visible_to(officer=district_officer)
    assert seen.exists()
    assert set(seen.values_list("district_id", flat=True)) == {"4901"}
    member = Officer.objects.get(citizen_id=demo_citizen_id("48", Role.TEAM_MEMBER))
    subs = set(
        Team.objects.filter(memberships__officer=member).values_list("subdistrict_id", flat=True)
    )
    assert (
        set(complaints_visible_to(officer=member).values_list("subdistrict_id", flat=True)) <= subs
    )
    governor = Officer.objects.get(citizen_id=demo_citizen_id("48", Role.GOVERNOR))
    assert set(complaints_visible_to(officer=governor).values_list("province_id", flat=True)) == {
        "48"
    }


def test_most_sub_districts_have_a_team_some_fall_back_to_the_district(seeded):
    org = seeded.organisation
    for province in DEMO_PROVINCES:
        total = Subdistrict.objects.filter(province_id=province).count()
        teams = Team.objects.filter(subdistrict__province_id=province).count()
        assert 0.8 * total <= teams < total
    assert any(code.startswith("4901") for code in org.teamless)
    assert not Team.objects.filter(subdistrict_id__in=org.teamless).exists()
    # The district queue of Mueang Mukdahan holds cases of its team-less sub-district.
    teamless_4901 = [c for c in org.teamless if c.startswith("4901")]
    assert not Complaint.objects.filter(
        subdistrict_id__in=teamless_4901, assigned_team__isnull=False
    ).exists()


def test_demo_logins_prints_every_account():
    call_command("seed_demo", count=20, seed=5, until="2026-11-01", stdout=StringIO())
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for province in DEMO_PROVINCES:
        for role in ROLE_ORDER:
            assert demo_citizen_id(province, role) in text
    assert DEMO_PASSWORD in text
    md = StringIO()
    call_command("demo_logins", markdown=True, stdout=md)
    assert sum(line.startswith("| ") for line in md.getvalue().splitlines()) == 1 + 16


@override_settings(DJANGO_ENV="production", DEVELOPMENT=False)
def test_refused_outside_development():
    with pytest.raises(CommandError, match="only in development"):
        call_command("seed_demo", count=10, stdout=StringIO())
    with pytest.raises(CommandError, match="only in development"):
        call_command("demo_logins", stdout=StringIO())
    assert not Officer.objects.exists()
    assert not Team.objects.exists()
    assert not Complaint.objects.exists()
    # Complaints alone (benchmarks) are allowed, and still make no account.
    call_command("seed_demo", count=10, no_accounts=True, until="2026-11-01", stdout=StringIO())
    assert Complaint.objects.count() == 10
    assert not Officer.objects.exists()


def test_bad_options_are_refused():
    for opts in ({"count": 0}, {"seed": 0}, {"focus_share": 1.5}, {"until": "1 Nov"}):
        with pytest.raises(CommandError):
            call_command("seed_demo", stdout=StringIO(), **opts)
    assert not Complaint.objects.exists()


def test_doctests_of_the_demo_and_intake_services():

    for module in (
        layers.demo.organisation,
        layers.demo.paths,
        layers.demo.weights,
        layers.services.complaints,
    ):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_the_sql_helpers_are_inlined_in_every_statement():
    # The demo's SQL calls small temporary functions (sql/functions.sql) instead of repeating
    # expressions; they must cost no more than the expressions would. A plan that still calls
    # one (a function the planner could not inline) shows its name.
    plans = []

    def explain(execute, sql, params, many, context):
        if isinstance(sql, str) and "pg_temp.demo_" in sql and "CREATE OR REPLACE" not in sql:
            if not sql.lstrip().startswith("DROP"):
                raw = context["cursor"].cursor  # psycopg's own, past this wrapper
                raw.execute("EXPLAIN VERBOSE " + sql, params)
                plans.append("\n".join(row[0] for row in raw.fetchall()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        demo_complaints_seed(count=50, seed=3, until=UNTIL)
    assert len(plans) == 3  # the stage, the complaints, the history
    for plan in plans:
        for function in ("demo_u(", "demo_pick(", "demo_citizen_id(", "demo_step_at("):
            assert function not in plan
