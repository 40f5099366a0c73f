"""What the goal pages show, read the way `web.api.goals` reads it: the card and
roadmap from the goal board read model (with the viewer, so a goal they may not see
is a 404), the past (`as_of`) and the history from the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from uuid import UUID

from projections import goals_queries as q
from projections.goals_queries import GoalCard, ProgressSeries
from service.clock import zone_info
from service.domain.goal import Goal
from service.domain.member import Member
from service.errors import NotFoundError, ValidationError
from web.common.as_of import NOT_OVER, parse_day, past_day
from web.common.goals import GoalOut, goal_out, goal_state_out
from web.pages.as_of import AsOf
from web.pages.charts import Chart, goal_progress_chart
from web.pages.goals_history import HistoryRow, describe
from web.pages.session import me, viewer
from web.system import current_system as system


@dataclass(frozen=True)
class GoalPage:
    """The goal page: the goal now (or on a past day) and everything around it."""

    goal: GoalOut
    card: GoalCard
    is_owner: bool
    owner_name: str
    timezone: str
    history: list[HistoryRow]
    series: ProgressSeries | None
    as_of: AsOf = field(default_factory=AsOf)
    chart: Chart | None = None

    @property
    def past(self) -> date | None:
        """The past day shown (`?as_of=`); None for the goal as it is now."""
        return self.as_of.day

    @property
    def can_act(self) -> bool:
        """Whether to offer the owner's forms (never on the past)."""
        return self.is_owner and self.past is None

    @property
    def is_open(self) -> bool:
        """Whether the goal is still active or paused."""
        return self.goal.status in ("active", "paused")


def _name_of(cache: dict[UUID, str], member_id: UUID | None) -> str:
    """A member's display name (looked up once per page)."""
    if member_id is None:
        return "the system"
    if member_id not in cache:
        try:
            cache[member_id] = system().app.get_member(member_id).display_name
        except NotFoundError:
            cache[member_id] = "a former member"
    return cache[member_id]


def _visible_card(goal_id: UUID) -> tuple[GoalCard, GoalOut, ProgressSeries | None]:
    with system().read() as conn:
        card = q.goal_card(conn, str(me()), str(goal_id), system().now())
        if card is None:
            raise NotFoundError("No such goal.")
        roadmap = q.milestones(conn, str(me()), str(goal_id))
        series = q.progress_series(conn, str(me()), str(goal_id))
    return card, goal_out(card, roadmap), series


def own_goal(goal_id: UUID) -> GoalOut:
    """The signed-in member's own goal as it is now; 404 for anyone else's."""
    card, goal, _ = _visible_card(goal_id)
    if card.owner_id != str(me()):
        raise NotFoundError("No such goal.")
    return goal


def goal_page(goal_id: UUID, as_of: str = "") -> GoalPage:
    """The goal page for the signed-in viewer (404 if they may not see the goal)."""
    card, goal, series = _visible_card(goal_id)
    owner = system().app.get_member(UUID(card.owner_id))
    names = {owner.id: owner.display_name}
    entries = system().app.history(me(), goal_id)
    zone = zone_info(viewer().timezone)
    page = GoalPage(
        goal=goal,
        card=card,
        is_owner=owner.id == me(),
        owner_name=owner.display_name,
        timezone=owner.timezone,
        history=describe(entries, lambda who: _name_of(names, who), zone),
        series=series,
        chart=_chart(card, series),
    )
    return _on_day(page, as_of.strip()) if as_of.strip() else page


def _chart(card: GoalCard, series: ProgressSeries | None) -> Chart | None:
    """Progress by day against the on-track line, up to the card's today."""
    if series is None:
        return None
    current = (card.today, card.progress)
    return goal_progress_chart(series, card.set_on, card.due_on, current=current)


def _on_day(page: GoalPage, text: str) -> GoalPage:
    """The page showing the goal at the end of day `text`, in the owner's timezone
    then (`web.common.as_of`, as the dashboard and the journal read it)."""
    try:
        day = parse_day(text)
    except ValidationError as error:
        return replace(page, as_of=AsOf(text, error=error.message))
    past = past_day(page.card.owner_id, day)
    if past is None:
        return replace(page, as_of=AsOf(text, note=NOT_OVER.format(what="the goal")))
    try:
        state = system().app.as_of(me(), page.goal.id, past.at)
    except NotFoundError:
        set_on = page.card.set_on.isoformat()
        note = (
            f"This goal did not exist yet on {day.isoformat()}: it was set on "
            f"{set_on}. This is the goal as it is now."
        )
        return replace(page, as_of=AsOf(text, note=note))
    if not isinstance(state, Goal):
        raise NotFoundError("No such goal.")
    then = goal_state_out(state, past.at)
    return replace(page, goal=then, as_of=AsOf(text, past), chart=None)


def my_aspirations() -> Member:
    """The signed-in member, whose aspirations, passions and strengths a goal's
    `why` links to."""
    return system().app.get_member(me())
