"""The demo data set goes through the rules and tells the stories it promises."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID

import pytest

from entrypoints.demo import DEMO_PASSWORD, DemoSummary, demo_accounts, load_demo
from projections.db import make_engine
from projections.formulas import streak, week_start
from projections.metrics import Metrics
from projections.metrics_queries import metrics_for_many
from projections.relations import Relations
from projections.runner import ProjectionRunner
from service.application import MomentumApplication
from service.clock import FixedClock, local_date
from tests.conftest import make_app

END = datetime(2026, 5, 24, 18, 30, tzinfo=UTC)  # a Sunday evening
CATEGORIES = {"learning", "networking", "challenge", "visibility", "portfolio"}
CATEGORIES |= {"mentoring", "exploration", "other"}


class Loaded(NamedTuple):
    app: MomentumApplication
    summary: DemoSummary
    events: list[Any]
    ids: dict[str, UUID]  # first name in lower case → member id

    def of(self, kind: str) -> list[Any]:
        """The events of one type, in the order they were stored."""
        return [e for e in self.events if type(e).__name__ == kind]

    def actions(self, who: str, first: date, last: date) -> int:
        """How many actions `who` logged as happening between two dates."""
        owner = self.ids[who]
        return sum(
            1
            for e in self.of("ActionLogged")
            if e.owner_id == owner and first <= e.occurred_on <= last
        )

    def mean_signal(self, who: str, reviews: slice) -> float:
        """The mean of the five signals over a slice of a member's reviews."""
        mine = [e for e in self.of("ReviewRecorded") if e.owner_id == self.ids[who]]
        chosen = mine[reviews]
        return sum(sum(r.signals.values()) / 5 for r in chosen) / len(chosen)


def _load(seed: int = 7, weeks: int = 12) -> Loaded:
    clock = FixedClock(END - timedelta(days=400))  # anywhere: the demo moves it
    app = make_app("memory://", clock)
    summary = load_demo(app, clock, seed=seed, weeks=weeks, end=END)
    notifications = app.recorder.select_notifications(start=None, limit=100_000)
    events = [app.mapper.to_domain_event(n) for n in notifications]
    ids = {}
    for account in demo_accounts():
        member_id = app.member_id_for_email(account.email)
        assert member_id is not None
        ids[account.display_name.split()[0].lower()] = member_id
    return Loaded(app, summary, events, ids)


@pytest.fixture(scope="module")
def demo() -> Iterator[Loaded]:
    loaded = _load()
    yield loaded
    loaded.app.close()


def _kinds(loaded: Loaded) -> list[str]:
    return [type(e).__name__ for e in loaded.events]


def test_demo_completes_with_the_promised_cast(demo: Loaded) -> None:
    summary = demo.summary
    assert (summary.members, summary.groups, summary.goals) == (6, 1, 11)
    assert summary.actions > 150 and summary.reviews > 40
    assert summary.feedback > 10 and summary.cheers > 20
    assert demo.app.clock.now() == END
    accounts = demo_accounts()
    assert summary.accounts == tuple(accounts)
    assert all(a.email.endswith("@demo.momentum.test") and a.story for a in accounts)
    zones = {demo.app.get_member(member).timezone for member in demo.ids.values()}
    assert len(zones) == len(accounts)


def test_same_seed_writes_the_same_history(demo: Loaded) -> None:
    again = _load(seed=7)
    assert again.summary == demo.summary
    assert _kinds(again) == _kinds(demo)


def test_another_seed_writes_another_history(demo: Loaded) -> None:
    other = _load(seed=8)
    assert _kinds(other) != _kinds(demo)
    assert other.summary != demo.summary


def test_history_is_written_in_order_and_never_ahead_of_its_time(demo: Loaded) -> None:
    times = [e.timestamp for e in demo.events]
    assert times == sorted(times)
    assert END - timedelta(weeks=12) <= times[0] and times[-1] <= END
    zones = {e.originator_id: e.timezone for e in demo.of("Registered")}
    for e in demo.of("ActionLogged"):
        logged_on = local_date(e.timestamp, zones[e.owner_id])
        assert logged_on - timedelta(days=30) <= e.occurred_on <= logged_on
    assert any(
        e.occurred_on < local_date(e.timestamp, "UTC") for e in demo.of("ActionLogged")
    )
    for e in demo.of("GoalSet"):
        assert e.due_on > local_date(e.timestamp, zones[e.owner_id])


def test_thriving_member_outpaces_the_stalling_one_lately(demo: Loaded) -> None:
    last_four = (END.date() - timedelta(days=27), END.date())
    weeks_5_to_8 = (
        END.date() - timedelta(days=83 - 28),
        END.date() - timedelta(days=28),
    )
    amara, lukas = demo.actions("amara", *last_four), demo.actions("lukas", *last_four)
    assert amara >= 12 and amara > 3 * lukas
    assert demo.actions("lukas", *weeks_5_to_8) > 2 * lukas


def test_rut_member_comes_back(demo: Loaded) -> None:
    start = (END - timedelta(weeks=12)).date()
    early = demo.actions("priya", start, start + timedelta(days=27))
    late = demo.actions("priya", END.date() - timedelta(days=27), END.date())
    assert late > 3 * early
    assert (
        demo.mean_signal("priya", slice(-2, None))
        > demo.mean_signal("priya", slice(2)) + 1
    )


def test_stalling_member_has_falling_signals_and_a_stalled_goal(demo: Loaded) -> None:
    assert (
        demo.mean_signal("lukas", slice(-2, None))
        < demo.mean_signal("lukas", slice(2)) - 1
    )
    lead = next(
        e for e in demo.of("GoalSet") if e.title.startswith("Lead the payments")
    )
    recent = END.date() - timedelta(days=14)
    on_lead = [e for e in demo.of("ActionLogged") if e.goal_id == lead.originator_id]
    assert on_lead and all(e.occurred_on < recent for e in on_lead)


def test_thriving_member_achieves_a_goal_and_completes_milestones(demo: Loaded) -> None:
    goals = {e.originator_id: e for e in demo.of("GoalSet")}
    achieved = [goals[e.originator_id] for e in demo.of("GoalAchieved")]
    assert [g.owner_id for g in achieved] == [demo.ids["amara"]]
    done = Counter(
        goals[e.originator_id].owner_id for e in demo.of("MilestoneCompleted")
    )
    assert done[demo.ids["amara"]] >= 3
    assert any(g.metric for g in goals.values()) and demo.of("ProgressRecorded")


def test_goals_are_revised_paused_and_thoughtfully_abandoned(demo: Loaded) -> None:
    (revised,) = demo.of("GoalRevised")
    assert revised.reason and "due_on" in revised.changes
    assert len(demo.of("GoalPaused")) == 1
    (abandoned,) = demo.of("GoalAbandoned")
    assert len(abandoned.reason) > 80


def test_group_has_members_buddies_and_cheered_wins(demo: Loaded) -> None:
    (created,) = demo.of("GroupCreated")
    group = demo.app.repository.get(created.originator_id)
    assert len(group.members) == 5 and len(group.buddies) == 4
    assert len(demo.of("MemberJoined")) == 4 == len(demo.of("MemberInvited"))
    wins = {e.originator_id for e in demo.of("ActionLogged") if e.win}
    cheered = [e for e in demo.of("Cheered") if e.target_id in wins]
    assert {e.author_id for e in cheered} - {demo.ids["daniel"]}


def test_mentor_has_accepted_and_pending_mentees_and_gives_feedback(
    demo: Loaded,
) -> None:
    assert len(demo.of("MentorshipAccepted")) == 3
    assert len(demo.of("MentorshipProposed")) == 4
    mentor = demo.ids["daniel"]
    feedback = [e for e in demo.of("FeedbackGiven") if e.author_id == mentor]
    assert {e.target_kind for e in feedback} == {"goal", "review"}
    assert len(demo.of("SuggestionMade")) == 2
    assert len(demo.of("SuggestionAccepted")) == 1


def test_reviews_carry_commitments_kept_and_missed(demo: Loaded) -> None:
    reviews = demo.of("ReviewRecorded")
    assert all(r.commitments and r.went_well and r.lessons for r in reviews)
    assert demo.of("CommitmentKept") and demo.of("CommitmentMissed")
    assert {r.visibility for r in reviews} == {"private", "mentors", "group"}


def test_actions_cover_every_category_and_someone_goes_away(demo: Loaded) -> None:
    actions = demo.of("ActionLogged")
    assert {a.category for a in actions} == CATEGORIES
    assert any(a.visibility == "private" for a in actions)
    (away,) = demo.of("AwayPeriodSet")
    assert away.reason == "holiday"


def test_kenjis_holiday_sits_inside_an_unbroken_streak(demo: Loaded) -> None:
    """His week away (two partial ISO weeks when the demo ends on a Friday, a whole
    one here) meets the pro-rated targets, so his streak runs through it."""
    (away,) = demo.of("AwayPeriodSet")
    days = {away.starts_on + timedelta(days=n) for n in range(7)}
    assert away.ends_on == away.starts_on + timedelta(days=6)
    owner = demo.ids["kenji"]
    counts = Counter(
        week_start(e.occurred_on)
        for e in demo.of("ActionLogged")
        if e.owner_id == owner
    )
    today = local_date(END, "Asia/Tokyo")
    length = streak(counts, today, 3, days)
    assert week_start(today) - timedelta(weeks=length) < week_start(away.starts_on)
    assert not any(
        e.occurred_on in days for e in demo.of("ActionLogged") if e.owner_id == owner
    )


def test_nobody_repeats_themselves(demo: Loaded) -> None:
    """Issue 14: each member's actions and reviews vary, so the journal and the
    mentor's timeline do not read like a loop."""
    for who, member in demo.ids.items():
        titles = Counter(
            e.title for e in demo.of("ActionLogged") if e.owner_id == member
        )
        assert max(titles.values()) <= 3, (who, titles.most_common(1))
        reviews = [e for e in demo.of("ReviewRecorded") if e.owner_id == member]
        went_well = [e.went_well for e in reviews]
        assert len(set(went_well)) == len(went_well), who
        assert len({e.stuck_on for e in reviews}) == len(reviews), who
    mentor = demo.ids["daniel"]
    replies = Counter(
        e.text
        for e in demo.of("FeedbackGiven")
        if e.author_id == mentor and e.target_kind == "review"
    )
    assert len(replies) > 5 and max(replies.values()) <= 3


def test_a_member_above_pace_stands_out_from_one_below_it(demo: Loaded) -> None:
    """The thriving member shows '100+' (above the target pace), the stalling one a
    number, at most 100."""
    engine = make_engine("memory://")
    runner = ProjectionRunner(demo.app, engine, [Relations(), Metrics()])
    runner.setup()
    runner.catch_up()
    with engine.connect() as conn:
        found = metrics_for_many(conn, [str(m) for m in demo.ids.values()], END)
    labels = {
        who: found[str(member)].momentum_label for who, member in demo.ids.items()
    }
    assert labels["amara"] == "100+"
    assert labels["lukas"] != "100+" and int(labels["lukas"]) <= 100
    engine.dispose()


def test_demo_accounts_sign_in_with_the_demo_password(demo: Loaded) -> None:
    for account in demo_accounts():
        assert demo.app.authenticate(account.email, DEMO_PASSWORD)


def test_demo_refuses_another_clock_or_a_short_span() -> None:
    clock = FixedClock(END)
    app = make_app("memory://", clock)
    with pytest.raises(ValueError):
        load_demo(app, FixedClock(END), end=END)
    with pytest.raises(ValueError):
        load_demo(app, clock, weeks=8, end=END)


def test_longer_span_opens_with_the_first_weeks_rhythm() -> None:
    longer = _load(weeks=16)
    assert longer.events[0].timestamp >= END - timedelta(weeks=16)
    assert longer.summary.goals == 11
    assert longer.summary.actions > _load().summary.actions
