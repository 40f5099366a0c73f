"""Random and scripted histories driven through the write side (hypothesis).

`History` runs commands for a handful of members and ignores the ones the domain
refuses, so any sequence of operations is a valid history. Integration tests use it
to compare the read side with the write side and incremental builds with rebuilds.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.domain.mentorship import mentorship_id
from service.errors import DomainError
from tests.conftest import registrar

VISIBILITIES = ("private", "mentors", "group")
SIGNALS = {
    "motivation": 4,
    "focus": 3,
    "learning": 5,
    "recognition": 2,
    "satisfaction": 4,
}
TIMEZONES = ("UTC", "Europe/Paris", "Pacific/Auckland", "America/Los_Angeles")


def goal_with_actions(
    app: MomentumApplication, clock: FixedClock, actions: int
) -> list[int]:
    """Ann, a goal and `actions` actions logged on it five hours apart; the actions'
    positions in the log."""
    ann = registrar(app)("Ann")
    goal = app.handle(
        c.SetGoal(
            ann,
            "Speak at a local meetup",
            "short",
            "Visibility",
            clock.now().date() + timedelta(days=60),
        )
    )
    positions = []
    for i in range(actions):
        logged = app.handle(c.LogAction(ann, "learning", f"Step {i}", goal_id=goal.id))
        assert logged.position is not None
        positions.append(logged.position)
        clock.advance(hours=5)
    return positions


def _email(name: str) -> str:
    return f"{name.lower()}@example.com"


class History:
    """Drives the write side through commands; ignores commands the domain refuses."""

    def __init__(self, app: MomentumApplication, clock: FixedClock, prefix: str):
        self.app, self.clock = app, clock
        register = registrar(app)
        self.names = [f"{prefix}m{i}" for i in range(5)]
        self.members = [register(n) for n in self.names]
        self.groups: list[UUID] = []
        self.goals: list[tuple[UUID, UUID]] = []  # (owner, goal)
        self.items: list[UUID] = []
        self.milestones: list[tuple[UUID, UUID, UUID]] = []  # (owner, goal, id)
        self.actions: list[tuple[UUID, UUID]] = []  # (owner, action)
        self.commitments: list[tuple[UUID, UUID, UUID]] = []  # (owner, review, id)
        self.feedbacks: list[tuple[UUID, UUID]] = []  # (author, feedback)
        self.refused = 0

    def do(self, command: c.Command) -> Any:
        try:
            return self.app.handle(command)
        except DomainError:
            self.refused += 1
            return None

    def m(self, i: int) -> UUID:
        return self.members[i % len(self.members)]

    def link(self, mentee: int, mentor: int) -> UUID:
        return mentorship_id(self.m(mentee), _email(self.names[mentor % 5]))

    def propose(self, mentee: int, mentor: int) -> None:
        self.do(c.ProposeMentorship(self.m(mentee), _email(self.names[mentor % 5])))

    def propose_newcomer(self, mentee: int) -> None:
        """Invite a mentor who has no account yet."""
        newcomer = f"{self.names[0]}-newcomer@example.com"
        self.do(c.ProposeMentorship(self.m(mentee), newcomer))

    def answer(self, mentee: int, mentor: int, answer: str, by_mentee: bool) -> None:
        actor = self.m(mentee) if by_mentee else self.m(mentor)
        self.do(c.AnswerMentorship(actor, self.link(mentee, mentor), answer))

    def create_group(self, who: int) -> None:
        result = self.do(c.CreateGroup(self.m(who), f"Group {len(self.groups)}"))
        if result is not None:
            self.groups.append(result.id)

    def group(self, g: int) -> UUID | None:
        return self.groups[g % len(self.groups)] if self.groups else None

    def facilitator(self, group: UUID) -> UUID:
        """A facilitator; once everyone has left, anyone (the command is refused)."""
        return next(iter(self.app.repository.get(group).facilitators), self.members[0])

    def invite_join(self, g: int, who: int, by_email: bool) -> None:
        group = self.group(g)
        if group is None:
            return
        email = _email(self.names[who % 5]) if by_email else None
        invite = self.do(c.InviteToGroup(self.facilitator(group), group, email))
        if invite is not None:
            self.do(c.JoinGroup(self.m(who), invite.extra["token"]))

    def leave(self, g: int, who: int) -> None:
        group = self.group(g)
        if group is not None:
            self.do(c.LeaveGroup(self.m(who), group))

    def remove(self, g: int, who: int) -> None:
        group = self.group(g)
        if group is not None:
            self.do(c.RemoveFromGroup(self.facilitator(group), group, self.m(who)))

    def add_facilitator(self, g: int, who: int) -> None:
        group = self.group(g)
        if group is not None:
            self.do(c.AddFacilitator(self.facilitator(group), group, self.m(who)))

    def goal(self, who: int, visibility: str) -> None:
        due = self.clock.now().date() + timedelta(days=60)
        result = self.do(
            c.SetGoal(
                self.m(who),
                "Speak at a meetup",
                "short",
                "Visibility",
                due,
                visibility=visibility,
            )
        )
        if result is not None:
            self.goals.append((self.m(who), result.id))
            self.items.append(result.id)

    def revise_goal(self, k: int, visibility: str) -> None:
        if self.goals:
            owner, goal = self.goals[k % len(self.goals)]
            self.do(c.ReviseGoal(owner, goal, {"visibility": visibility}, "changed"))

    def action(self, who: int, goal: int | None, visibility: str | None) -> None:
        goal_id = None
        actor = self.m(who)
        if goal is not None and self.goals:
            actor, goal_id = self.goals[goal % len(self.goals)]
        result = self.do(
            c.LogAction(
                actor, "learning", "Step", goal_id=goal_id, visibility=visibility
            )
        )
        if result is not None:
            self.actions.append((actor, result.id))
            self.items.append(result.id)

    def review(self, who: int, visibility: str) -> None:
        result = self.do(c.RecordReview(self.m(who), SIGNALS, visibility=visibility))
        if result is not None:
            self.items.append(result.id)

    def scripted(self) -> None:
        """Every relation state at least once: mentorships proposed, accepted,
        declined, ended and renewed; two groups with joins, a leave and a removal;
        goals of each visibility, actions with and without goals, reviews."""
        self.propose(0, 1)  # stays proposed
        self.propose(0, 2)
        self.answer(0, 2, "accept", by_mentee=False)  # accepted
        self.propose(1, 0)
        self.answer(1, 0, "decline", by_mentee=False)  # declined
        self.propose(2, 3)
        self.answer(2, 3, "accept", by_mentee=False)
        self.answer(2, 3, "end", by_mentee=True)  # ended by the mentee
        self.propose(3, 4)
        self.answer(3, 4, "accept", by_mentee=False)
        self.answer(3, 4, "end", by_mentee=False)  # ended by the mentor
        self.propose(3, 4)  # renewed, pending again
        self.propose(4, 0)
        self.answer(4, 0, "accept", by_mentee=False)  # accepted, and in a group
        self.create_group(0)
        self.create_group(3)
        self.invite_join(0, 1, by_email=True)
        self.invite_join(0, 2, by_email=False)
        self.invite_join(0, 4, by_email=False)
        self.invite_join(1, 4, by_email=True)
        self.invite_join(1, 1, by_email=False)
        self.leave(0, 2)  # left
        self.remove(1, 1)  # removed, still in group 0
        for who in range(5):
            for visibility in VISIBILITIES:
                self.goal(who, visibility)
        for k in range(len(self.goals)):  # goal k has visibility VISIBILITIES[k % 3]
            self.action(0, k, None)  # the goal's visibility
            self.action(0, k, "private")
            if k % 3 == 2:
                self.action(0, k, "mentors")
                self.action(0, k, "group")
        for who in range(5):
            self.action(who, None, None)  # no goal: mentors
            self.action(who, None, "group")
            self.review(who, VISIBILITIES[who % 3])
        self.revise_goal(1, "group")  # widens its actions that follow the goal
        self.revise_goal(2, "private")  # its explicitly wider actions are narrowed

    # Beyond relations: every other kind of event --------------------------------

    def _goal(self, k: int) -> tuple[UUID, UUID] | None:
        return self.goals[k % len(self.goals)] if self.goals else None

    def milestone(self, k: int) -> None:
        found = self._goal(k)
        if found is not None:
            result = self.do(c.AddMilestone(found[0], found[1], "Draft the outline"))
            if result is not None:
                self.milestones.append((*found, result.extra["milestone_id"]))

    def complete(self, k: int, reopen: bool) -> None:
        if self.milestones:
            owner, goal, milestone = self.milestones[k % len(self.milestones)]
            command = c.ReopenMilestone if reopen else c.CompleteMilestone
            self.do(command(owner, goal, milestone))

    def metric_goal(self, who: int, visibility: str) -> None:
        due = self.clock.now().date() + timedelta(days=90)
        result = self.do(
            c.SetGoal(
                self.m(who),
                "Run five informational interviews",
                "short",
                "Networking",
                due,
                visibility=visibility,
                metric={"name": "interviews", "unit": "", "baseline": 0, "target": 5},
            )
        )
        if result is not None:
            self.goals.append((self.m(who), result.id))
            self.items.append(result.id)

    def progress(self, k: int, value: int) -> None:
        found = self._goal(k)
        if found is not None:
            self.do(c.RecordProgress(found[0], found[1], value, "update"))

    def status(self, k: int, change: str) -> None:
        found = self._goal(k)
        if found is not None:
            self.do(c.ChangeGoalStatus(found[0], found[1], change, "because"))

    def win(self, who: int, days_ago: int) -> None:
        day = self.clock.now().date() - timedelta(days=days_ago)
        result = self.do(
            c.LogAction(self.m(who), "visibility", "Shipped", occurred_on=day, win=True)
        )
        if result is not None:
            self.actions.append((self.m(who), result.id))
            self.items.append(result.id)

    def edit_action(self, k: int, days_ago: int, win: bool) -> None:
        if self.actions:
            owner, action = self.actions[k % len(self.actions)]
            day = self.clock.now().date() - timedelta(days=days_ago)
            self.do(c.EditAction(owner, action, {"occurred_on": day, "win": win}))

    def retract(self, k: int) -> None:
        if self.actions:
            owner, action = self.actions[k % len(self.actions)]
            self.do(c.RetractAction(owner, action, "logged twice"))

    def checkin(self, who: int, low: bool, commit: bool) -> None:
        rating = 1 if low else 4
        signals = dict.fromkeys(SIGNALS, rating)
        outcomes = tuple(
            c.CommitmentOutcome(review, commitment, kept=not low)
            for owner, review, commitment in self.commitments
            if owner == self.m(who)
        )
        commitments = (c.NewCommitment("When I open my laptop", "I will apply"),)
        result = self.do(
            c.RecordReview(
                self.m(who),
                signals,
                went_well="A talk",
                commitments=commitments if commit else (),
                outcomes=outcomes,
            )
        )
        if result is None:
            return
        self.items.append(result.id)
        marked = {(o.review_id, o.commitment_id) for o in outcomes}
        self.commitments = [
            x for x in self.commitments if (x[1], x[2]) not in marked
        ] + [(self.m(who), result.id, cid) for cid in result.extra["commitment_ids"]]

    def feedback(self, author: int, k: int, cheer: bool) -> None:
        if not self.items:
            return
        item = self.app.repository.get(self.items[k % len(self.items)])
        kind = type(item).__name__.lower()
        if cheer:
            self.do(c.CheerItem(self.m(author), kind, item.id))
            return
        given = self.do(c.GiveFeedback(self.m(author), kind, item.id, "Nice work"))
        if given is not None:
            self.feedbacks.append((self.m(author), given.id))

    def withdraw(self, k: int) -> None:
        if self.feedbacks:
            author, feedback = self.feedbacks[k % len(self.feedbacks)]
            self.do(c.WithdrawFeedback(author, feedback))

    def suggest(self, mentor: int, k: int, accept: bool | None) -> None:
        found = self._goal(k)
        if found is None:
            return
        made = self.do(
            c.MakeSuggestion(self.m(mentor), found[1], "milestone", "Ask for a demo")
        )
        if made is not None and accept is not None:
            self.do(c.AnswerSuggestion(found[0], made.id, accept))

    def buddies(self, g: int, a: int, b: int, unpair: bool) -> None:
        group = self.group(g)
        if group is None:
            return
        facilitator = self.facilitator(group)
        if unpair:
            self.do(c.UnpairBuddies(facilitator, group, self.m(a)))
        else:
            self.do(c.PairBuddies(facilitator, group, self.m(a), self.m(b)))

    def away(self, who: int, starts_in: int, days: int, cancel: bool) -> None:
        start = self.clock.now().date() + timedelta(days=starts_in)
        result = self.do(
            c.SetAwayPeriod(self.m(who), start, start + timedelta(days=days))
        )
        if result is not None and cancel:
            self.do(c.CancelAwayPeriod(self.m(who), result.extra["period_id"]))

    def target(self, who: int, per_week: int) -> None:
        self.do(c.SetWeeklyTarget(self.m(who), per_week))

    def move(self, who: int, tz: int) -> None:
        name = self.names[who % len(self.names)]
        self.do(c.UpdateProfile(self.m(who), name, TIMEZONES[tz % 4], "Moved"))

    def preferences(self, who: int, hour: int) -> None:
        changes = {
            "digest": "daily",
            "digest_hour": hour % 24,
            "quiet_start": None,
            "quiet_end": None,
        }
        self.do(c.ChangePreferences(self.m(who), changes))

    def read(self, who: int) -> None:
        head = self.app.recorder.max_notification_id() or 0
        self.do(c.MarkNotificationsRead(self.m(who), head))

    def wait(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    def everything(self) -> None:
        """The relation script, then at least one of every other event."""
        self.scripted()
        self.propose_newcomer(1)
        self.metric_goal(0, "group")
        self.progress(len(self.goals) - 1, 2)
        for k in range(3):
            self.milestone(k)
        self.complete(0, reopen=False)
        self.complete(1, reopen=False)
        self.complete(1, reopen=True)
        self.win(1, 3)
        self.win(2, 10)
        self.edit_action(0, 5, True)
        self.retract(1)
        self.checkin(0, low=False, commit=True)
        self.wait(24 * 7)
        self.checkin(0, low=True, commit=True)  # the first one's: missed
        self.wait(24 * 7)
        self.checkin(0, low=False, commit=False)  # the second one's: kept
        # m2 mentors m0, whose goal items[1] the script made group-visible
        self.feedback(2, 1, cheer=False)
        self.feedback(2, 1, cheer=True)
        self.feedback(2, 1, cheer=False)
        self.withdraw(0)
        self.suggest(2, 1, accept=True)
        self.suggest(2, 1, accept=False)
        self.suggest(2, 1, accept=None)
        self.add_facilitator(0, 1)
        self.invite_join(0, 0, by_email=False)
        self.buddies(0, 0, 1, unpair=False)
        self.win(0, 0)
        self.buddies(0, 0, 1, unpair=True)
        self.buddies(0, 0, 4, unpair=False)
        self.away(3, -5, 3, cancel=False)
        self.away(3, 1, 2, cancel=True)
        self.target(1, 5)
        self.move(2, 2)
        self.preferences(1, 6)
        self.read(0)
        self.status(3, "pause")
        self.status(3, "resume")
        self.status(4, "achieve")
        self.status(5, "abandon")

    def run(self, op: tuple[Any, ...]) -> None:
        name, *args = op
        getattr(self, name)(*args)


member_ix = st.integers(0, 4)
visibility = st.sampled_from(VISIBILITIES)
operation = st.one_of(
    st.tuples(st.just("propose"), member_ix, member_ix),
    st.tuples(
        st.just("answer"),
        member_ix,
        member_ix,
        st.sampled_from(("accept", "decline", "end")),
        st.booleans(),
    ),
    st.tuples(st.just("create_group"), member_ix),
    st.tuples(st.just("invite_join"), member_ix, member_ix, st.booleans()),
    st.tuples(st.just("leave"), member_ix, member_ix),
    st.tuples(st.just("remove"), member_ix, member_ix),
    st.tuples(st.just("add_facilitator"), member_ix, member_ix),
    st.tuples(st.just("goal"), member_ix, visibility),
    st.tuples(st.just("revise_goal"), member_ix, visibility),
    st.tuples(
        st.just("action"),
        member_ix,
        st.none() | member_ix,
        st.none() | visibility,
    ),
    st.tuples(st.just("review"), member_ix, visibility),
)


relation_operation = operation
count = st.integers(0, 40)
days_ago = st.integers(0, 30)
every_operation = st.one_of(
    relation_operation,
    st.tuples(st.just("milestone"), count),
    st.tuples(st.just("complete"), count, st.booleans()),
    st.tuples(st.just("metric_goal"), member_ix, visibility),
    st.tuples(st.just("progress"), count, st.integers(-1, 7)),
    st.tuples(st.just("status"), count, st.sampled_from(c.GOAL_STATUS_CHANGES)),
    st.tuples(st.just("win"), member_ix, days_ago),
    st.tuples(st.just("edit_action"), count, days_ago, st.booleans()),
    st.tuples(st.just("retract"), count),
    st.tuples(st.just("checkin"), member_ix, st.booleans(), st.booleans()),
    st.tuples(st.just("feedback"), member_ix, count, st.booleans()),
    st.tuples(st.just("withdraw"), count),
    st.tuples(st.just("suggest"), member_ix, count, st.none() | st.booleans()),
    st.tuples(st.just("buddies"), member_ix, member_ix, member_ix, st.booleans()),
    st.tuples(
        st.just("away"),
        member_ix,
        st.integers(-20, 5),
        st.integers(0, 9),
        st.booleans(),
    ),
    st.tuples(st.just("target"), member_ix, st.integers(1, 8)),
    st.tuples(st.just("move"), member_ix, st.integers(0, 3)),
    st.tuples(st.just("read"), member_ix),
    st.tuples(st.just("propose_newcomer"), member_ix),
    st.tuples(st.just("wait"), st.integers(1, 24 * 9)),
)
