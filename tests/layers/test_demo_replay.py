"""Every demo case's history replays through the workflow's rules.

The demo generator (layers.demo) walks the transition table to make its paths; these tests walk
the rows it wrote back through ``transition_for`` / ``Transition.target``, the capacities of
``case_capacities`` and the due-date rule of ``layers.rules``, independently of how the
generator built them. A step the table refuses, a status the table would not give, an actor
without the capacity, or a due date intake would not set fails here.
"""

from dataclasses import replace
from datetime import date

import pytest
from django.conf import settings
from django.utils import translation

from layers.demo import DEMO_NOTE, demo_complaints_seed, demo_organisation_seed, demo_paths
from layers.demo import paths as demo_path_module
from layers.models import (
    Category,
    Complaint,
    ComplaintHistory,
    ForwardTarget,
    HistoryKind,
    Officer,
    Status,
    Team,
)
from layers.rules import due_at_for
from layers.selectors.scope import (
    CAPACITY_DISTRICT,
    CAPACITY_HOLDER,
    CAPACITY_TEAM,
    case_capacities,
)
from layers.services.workflow import (
    ACTIONS,
    ASSIGN,
    CLOSE,
    FORWARD,
    NOTE,
    REOPEN,
    RETURN,
    START,
    TRANSITIONS,
    transition_for,
)

pytestmark = pytest.mark.django_db

UNTIL = date(2026, 11, 1)

# The action behind each history kind, as the services of layers.services.workflow write them
# (written out here, not taken from the generator, so that a wrong kind there fails).
ACTION_OF_KIND = {
    HistoryKind.STATUS: START,
    HistoryKind.ASSIGNED: ASSIGN,
    HistoryKind.REASSIGNED: ASSIGN,
    HistoryKind.FORWARDED: FORWARD,
    HistoryKind.RETURNED: RETURN,
    HistoryKind.CLOSED: CLOSE,
    HistoryKind.REOPENED: REOPEN,
    HistoryKind.NOTE: NOTE,
}


class Replay:
    """What the replay saw over all cases: paths, and the steps whose actor was checked."""

    def __init__(self):
        self.paths: dict[tuple, int] = {}
        self.checked: set[tuple[str, str]] = set()  # (action, capacity) of steps with an actor
        with translation.override(settings.LANGUAGE_CODE):
            self.targets = {str(ForwardTarget(t).label): t for t in ForwardTarget.values}
        self.teams = {t.name: t for t in Team.objects.all()}
        self.officers = {o.pk: o for o in Officer.objects.all()}

    def case(self, case: Complaint, rows: list[ComplaintHistory]) -> None:
        first, *steps = rows
        where = f"{case.tracking_no}"
        assert (first.kind, first.from_status, first.to_status) == (
            HistoryKind.CREATED,
            "",
            Status.RECEIVED,
        ), where
        assert first.note == DEMO_NOTE and first.at == case.received_at, where
        assert first.to_value == case.subdistrict_id, where
        # The case as it was before each step: what the table and the capacities look at.
        now = Complaint(
            pk=case.pk,
            status=Status.RECEIVED,
            subdistrict_id=case.subdistrict_id,
            district_id=case.district_id,
            province_id=case.province_id,
            assigned_team_id=None,
            forwarded_to="",
            forwarded_agency="",
            close_result="",
        )
        start, last_change, last_at = case.received_at, case.received_at, case.received_at
        for n, row in enumerate(steps, start=1):
            where = f"{case.tracking_no} step {n} ({row.kind} {row.from_status}→{row.to_status})"
            assert row.at > last_at, where  # in order, one after the other
            action = ACTION_OF_KIND[row.kind]
            transition = transition_for(action, now.status)
            assert transition is not None, f"{where}: not in the transition table"
            assert row.from_status == now.status, where
            if action == ASSIGN:
                team = self.teams[row.to_value]
                assert team.subdistrict_id == case.subdistrict_id and team.is_active, where
                assert n == 1 and row.actor_id is None, f"{where}: only intake's routing assigns"
            # The status the table gives the case as it is before the step (as the services ask).
            assert row.to_status == transition.target(now), where
            if row.actor_id is not None:
                capacities = case_capacities(self.officers[row.actor_id], now)
                allowed = capacities & transition.by
                assert allowed, f"{where}: the actor's capacities {set(capacities)} may not"
                self.checked.update((action, c) for c in allowed)
            # What the services change besides the status.
            if action == ASSIGN:
                now.assigned_team_id = team.pk
            elif action == FORWARD:
                now.forwarded_to = self.targets.get(row.to_value, ForwardTarget.AGENCY)
                now.forwarded_agency = "" if row.to_value in self.targets else row.to_value
            elif action == RETURN:
                assert row.from_value == (now.forwarded_agency or self._label(now)), where
                assert row.to_value == case.district_id, where
                now.forwarded_to = now.forwarded_agency = ""
            elif action == CLOSE:
                assert row.to_value and row.note, where
                now.close_result = row.to_value
            elif action == REOPEN:
                assert row.from_value == now.close_result, where
                now.forwarded_to = now.forwarded_agency = now.close_result = ""
                start = row.at  # the due date starts again
            if row.to_status != now.status:
                last_change = row.at
            now.status = row.to_status
            last_at = row.at
        where = case.tracking_no
        assert case.status == now.status, where
        assert case.version == len(rows), where
        assert case.status_changed_at == last_change, where
        assert case.assigned_team_id == now.assigned_team_id, where
        assert (case.forwarded_to, case.forwarded_agency) == (
            now.forwarded_to,
            now.forwarded_agency,
        ), where
        if case.status == Status.CLOSED:
            assert case.close_result == now.close_result and case.closed_at == last_change, where
        else:
            assert (case.close_result, case.closed_at) == ("", None), where
        # The due-date rule, from receipt or from the last reopening; None without an SLA.
        assert case.due_at == due_at_for(
            start=start, category=case.category, subcategory=case.subcategory
        ), where
        path = (
            case.assigned_team_id is not None,
            tuple((r.kind, r.from_status, r.to_status) for r in rows),
        )
        self.paths[path] = self.paths.get(path, 0) + 1

    def _label(self, now: Complaint) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            return str(ForwardTarget(now.forwarded_to).label)

    def all(self) -> "Replay":
        history: dict[int, list[ComplaintHistory]] = {}
        for row in ComplaintHistory.objects.order_by("complaint_id", "at", "id"):
            history.setdefault(row.complaint_id, []).append(row)
        for case in Complaint.objects.select_related("category", "subcategory"):
            self.case(case, history[case.pk])
        return self


def generated_paths() -> dict[tuple, object]:
    return {
        (p.team, tuple((s.kind, s.from_status, s.to_status) for s in p.steps)): p
        for p in demo_paths()
    }


def test_every_demo_case_replays_through_the_table_and_the_due_date_rule():
    # Cases without teams first (no organisation yet: every case stays with its district),
    # then with the organisation: most cases go to a team, and the demo accounts act.
    demo_complaints_seed(count=900, seed=21, until=UNTIL)
    demo_organisation_seed()
    demo_complaints_seed(count=900, seed=22, until=UNTIL)
    replayed = Replay().all()
    assert sum(replayed.paths.values()) == 1800

    # The cases cover every status and every path the generator can produce.
    seen = set(replayed.paths)
    paths = generated_paths()
    assert seen == set(paths), (
        f"not produced: {[paths[p].label() for p in set(paths) - seen]}; "
        f"not a path of the generator: {seen - set(paths)}"
    )
    assert {path[1][-1][2] for path in seen} == set(Status.values)

    # Enough steps had a demo account as actor that the capacity check covers every action
    # the demo takes, in every capacity.
    assert {action for action, _ in replayed.checked} == {START, FORWARD, RETURN, CLOSE, REOPEN}
    assert {capacity for _, capacity in replayed.checked} == {
        CAPACITY_DISTRICT,
        CAPACITY_TEAM,
        CAPACITY_HOLDER,
    }


def test_a_category_without_sla_gives_no_due_date():
    disaster = Category.objects.get(code="disaster")
    assert not disaster.children.exclude(sla_days=None).exists()
    Category.objects.filter(pk=disaster.pk).update(sla_days=None)
    demo_complaints_seed(count=300, seed=5, until=UNTIL)
    cases = Complaint.objects.filter(category=disaster)
    assert cases.exists()
    assert not cases.exclude(due_at=None).exists()
    assert not Complaint.objects.exclude(category=disaster).filter(due_at=None).exists()
    Replay().all()


# ---------------------------------------------------------------- the paths, without the database


def test_every_generated_path_is_a_walk_through_the_table():
    for path in demo_paths():
        case = Complaint(status=Status.RECEIVED, assigned_team_id=None)
        created, *steps = path.steps
        assert (created.kind, created.to_status, created.capacity) == (
            HistoryKind.CREATED,
            Status.RECEIVED,
            None,
        )
        for n, step in enumerate(steps):
            row = transition_for(step.action, case.status)
            assert row is not None and step.from_status == case.status, path.label()
            assert step.kind == demo_path_module.HISTORY_KINDS[step.action]
            assert step.to_status == row.target(case), path.label()
            if n == 0 and path.team:
                assert step.action == ASSIGN and step.capacity is None  # intake's routing
                case.assigned_team_id = 1
            else:
                assert step.capacity in row.by, path.label()
                assert step.capacity != CAPACITY_TEAM or path.team
            case.status = step.to_status
        assert path.status == case.status


def test_every_action_is_weighted_or_left_out_on_purpose():
    weighted = set(demo_path_module.ACTION_WEIGHTS)
    left_out = set(demo_path_module.NOT_GENERATED)
    assert weighted | left_out == set(ACTIONS) and not weighted & left_out


def test_a_changed_transition_changes_the_demo_paths(monkeypatch):
    def no_team_return_to(status):
        return tuple(
            replace(t, to_status_no_team=status) if t.action == RETURN else t for t in TRANSITIONS
        )

    monkeypatch.setattr(demo_path_module, "TRANSITIONS", no_team_return_to(Status.IN_PROGRESS))
    steps = {(p.team, s.action, s.from_status, s.to_status) for p in demo_paths() for s in p.steps}
    assert (False, RETURN, Status.FORWARDED, Status.IN_PROGRESS) in steps
    assert (False, RETURN, Status.FORWARDED, Status.RECEIVED) not in steps
    # Without returns there are none in the demo; without an assignment from "received",
    # intake's routing is not in the table, and the demo refuses to invent it.
    monkeypatch.setattr(
        demo_path_module, "TRANSITIONS", tuple(t for t in TRANSITIONS if t.action != RETURN)
    )
    assert not any(s.action == RETURN for p in demo_paths() for s in p.steps)
    monkeypatch.setattr(demo_path_module, "transition_for", lambda action, status: None)
    with pytest.raises(demo_path_module.DemoPathError):
        demo_paths()
