"""The paths demo cases take, walked from the workflow's transition table.

A demo case's history is not written by hand: it is a path through
``layers.services.workflow.TRANSITIONS``, found by walking the table from the state intake
leaves a case in. Every step is a row of the table taken from the status the case is in, its
new status is that row's ``target`` for the case as it then is (with or without a team), and
its actor capacity is one the row allows. A new or changed row changes the demo data; a step
the table does not allow cannot be generated (``DemoPathError`` if intake itself is not in
the table).

The walk gives every path a probability from the weights below (how often a centre takes an
action when the table allows it, against leaving the case where it is). Paths are grouped by
whether the case has a team and whether it ends closed: the SQL decides those two from the
sub-district and the case's age, then draws a path of the group by weight. Paths longer than
``MAX_STEPS`` or rarer than ``MIN_SHARE`` of their group are left out, so the set stays small
enough to list, to check path by path (tests/layers/test_demo_replay.py) and to see in a few
hundred demo cases.

What the walk keeps of a case's state mirrors the services of ``layers.services.workflow``:
intake routes a case of a sub-district with a team to it (``complaint_route_on_intake``),
forwarding marks the case as held by the level it went to, sending it back and reopening clear
that (``complaint_return`` and ``complaint_reopen`` empty ``forwarded_to``), closing keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass

from layers.demo import content
from layers.demo.weights import largest_remainder
from layers.models import Complaint, HistoryKind, Status
from layers.selectors.scope import CAPACITY_DISTRICT, CAPACITY_HOLDER, CAPACITY_TEAM
from layers.services.workflow import (
    ASSIGN,
    CLOSE,
    FORWARD,
    NOTE,
    REOPEN,
    RETURN,
    START,
    TRANSITIONS,
    Transition,
    transition_for,
)

# The history kind each action writes, as the services in layers.services.workflow write it
# (complaint_start writes "status", complaint_assign "assigned" for a case without a team...).
HISTORY_KINDS = {
    START: HistoryKind.STATUS,
    ASSIGN: HistoryKind.ASSIGNED,
    FORWARD: HistoryKind.FORWARDED,
    RETURN: HistoryKind.RETURNED,
    CLOSE: HistoryKind.CLOSED,
    REOPEN: HistoryKind.REOPENED,
    NOTE: HistoryKind.NOTE,
}

# How often a centre takes each action where the table allows it (relative weights at one
# status, against STAY_WEIGHTS: the case stays where it is until the demo's end date). Most
# cases are started and closed; some go up or out and are closed there or come back down; a
# few closed ones are reopened.
ACTION_WEIGHTS = {START: 8.0, FORWARD: 1.2, RETURN: 4.0, CLOSE: 0.5, REOPEN: 3.0}
# Where closing is the natural end of the work it weighs more than the action's default.
ACTION_WEIGHTS_AT = {(CLOSE, Status.IN_PROGRESS): 8.0, (CLOSE, Status.FORWARDED): 5.0}
STAY_WEIGHTS = {
    Status.RECEIVED: 1.0,
    Status.ASSIGNED: 2.5,
    Status.IN_PROGRESS: 4.0,
    Status.FORWARDED: 5.0,
    Status.CLOSED: 30.0,
}
# Actions of the table the demo does not take, and why. Every action is either weighted above
# or listed here (a test checks it), so a new action needs a decision.
NOT_GENERATED = {
    # Intake's routing is the only assignment: a demo sub-district has one team at most, the
    # one routing gives, so there is no other team to hand the case to.
    ASSIGN: "routing at intake assigns; no second team to reassign to",
    # A note is a CaseNote (text, maybe a visit position and photos), not a history row alone.
    NOTE: "a note is a CaseNote row, not generated",
}
# When a row allows several capacities: the team does its own work, the level holding the case
# its own, the district the rest.
CAPACITY_PREFERENCE = (CAPACITY_TEAM, CAPACITY_HOLDER, CAPACITY_DISTRICT)
MAX_STEPS = 5  # after intake
MIN_SHARE = 0.02  # of the path's group (team or not, closed or not)
SLOTS = 1000  # a path is drawn as slot floor(u * SLOTS) of its group's table


class DemoPathError(Exception):
    """The transition table no longer allows what intake does."""


@dataclass(frozen=True)
class Step:
    """One history row of a path."""

    action: str | None  # None: the "created" row of intake
    kind: str
    from_status: str
    to_status: str
    # The capacity acting (one of the row's ``by``); None for intake (created and routing),
    # which is recorded without an actor as imports are.
    capacity: str | None
    # Whether the case was forwarded when the step was taken: who holds it ("holder").
    forwarded_before: bool
    # The number of the step after intake (1, 2, ...): its time; 0 for intake's rows.
    work_no: int
    note: str


@dataclass(frozen=True)
class Path:
    team: bool
    steps: tuple[Step, ...]
    weight: float  # share of its group (team, closed), the shares of a group add up to 1
    slots: int = 0

    @property
    def status(self) -> str:
        return self.steps[-1].to_status

    @property
    def closed(self) -> bool:
        return self.status == Status.CLOSED

    @property
    def work_steps(self) -> int:
        return sum(1 for s in self.steps if s.work_no)

    @property
    def forwarded(self) -> bool:
        """Forwarded at the end (``forwarded_to`` stays set)."""
        return _forwarded_after(self.steps[-1])

    @property
    def reopened_at(self) -> int | None:
        """The work number of the last reopening (the due date starts again there)."""
        numbers = [s.work_no for s in self.steps if s.action == REOPEN]
        return numbers[-1] if numbers else None

    def label(self) -> str:
        return " → ".join([self.steps[0].to_status] + [s.to_status for s in self.steps[1:]])


def _forwarded_after(step: Step) -> bool:
    if step.action == FORWARD:
        return True
    if step.action in (RETURN, REOPEN):
        return False
    return step.forwarded_before


def _weight(action: str, from_status: str) -> float:
    return ACTION_WEIGHTS_AT.get((action, from_status), ACTION_WEIGHTS.get(action, 0.0))


def _capacity(row: Transition, *, team: bool) -> str | None:
    for capacity in CAPACITY_PREFERENCE:
        if capacity in row.by and (capacity != CAPACITY_TEAM or team):
            return capacity
    return None


def _note(action: str, capacity: str | None) -> str:
    return content.STEP_NOTES.get((action, capacity)) or content.STEP_NOTES.get(action, "")


def _intake(team: bool, created_note: str) -> tuple[Complaint, list[Step]]:
    """The case and its history as intake leaves them: received, then routed to its team."""
    case = Complaint(status=Status.RECEIVED, assigned_team_id=None, forwarded_to="")
    steps = [
        Step(None, HistoryKind.CREATED, "", Status.RECEIVED, None, False, 0, created_note),
    ]
    if team:
        row = transition_for(ASSIGN, Status.RECEIVED)
        if row is None:
            raise DemoPathError("the transition table has no assignment of a received case")
        to_status = row.target(case)
        steps.append(Step(ASSIGN, HistoryKind.ASSIGNED, case.status, to_status, None, False, 0, ""))
        # Which team does not matter to the table: only whether there is one.
        case.status, case.assigned_team_id = to_status, 0
    return case, steps


def _moves(case: Complaint, *, team: bool) -> list[tuple[Transition, str, float]]:
    moves = []
    for row in TRANSITIONS:
        if row.from_status != case.status or row.action in NOT_GENERATED:
            continue
        weight = _weight(row.action, row.from_status)
        capacity = _capacity(row, team=team)
        if weight > 0 and capacity is not None:
            moves.append((row, capacity, weight))
    return moves


def _walk(team: bool, created_note: str) -> list[tuple[tuple[Step, ...], float]]:
    """Every path of at most MAX_STEPS steps after intake, with its probability."""
    found: list[tuple[tuple[Step, ...], float]] = []

    def visit(case: Complaint, steps: list[Step], p: float, forwarded: bool, done: int) -> None:
        moves = _moves(case, team=team)
        stay = STAY_WEIGHTS.get(case.status, 1.0)
        total = stay + sum(w for _, _, w in moves)
        found.append((tuple(steps), p * stay / total))
        if done == MAX_STEPS:
            return
        for row, capacity, weight in moves:
            to_status = row.target(case)  # evaluated on the case before the step, as services do
            step = Step(
                row.action,
                HISTORY_KINDS[row.action],
                case.status,
                to_status,
                capacity,
                forwarded,
                done + 1,
                _note(row.action, capacity),
            )
            after = Complaint(
                status=to_status,
                assigned_team_id=case.assigned_team_id,
                forwarded_to="",
            )
            visit(after, [*steps, step], p * weight / total, _forwarded_after(step), done + 1)

    case, steps = _intake(team, created_note)
    visit(case, steps, 1.0, False, 0)
    return found


def demo_paths(*, created_note: str = "") -> list[Path]:
    """The paths the demo draws from, each with its share of its group and its slots.

    >>> paths = demo_paths()
    >>> sorted({(p.team, p.closed) for p in paths})
    [(False, False), (False, True), (True, False), (True, True)]
    >>> all(sum(p.slots for p in paths if (p.team, p.closed) == g) == SLOTS
    ...     for g in {(p.team, p.closed) for p in paths})
    True
    """
    out: list[Path] = []
    for team in (False, True):
        walked = _walk(team, created_note)
        for closed in (False, True):
            group = [(s, p) for s, p in walked if (s[-1].to_status == Status.CLOSED) == closed]
            total = sum(p for _, p in group)
            if total <= 0:
                continue
            kept = [(s, p) for s, p in group if p / total >= MIN_SHARE]
            kept_total = sum(p for _, p in kept)
            slots = largest_remainder(SLOTS, [p for _, p in kept])
            out.extend(
                Path(team, s, p / kept_total, n)
                for (s, p), n in zip(kept, slots, strict=True)
                if n > 0
            )
    return out
