"""A member's story around a past day D, for the time-travel tests (`?as_of=`).

`until_the_end_of_d` writes Ann's first three days with the clock frozen (Ann in
Berlin; Mia her mentor, Gus in a group with her): goals, a milestone done, actions,
a review with a commitment, Mia's feedback and cheer, Gus's cheer — and leaves the
clock at the last instant of Wednesday 4 March in Berlin, when the tests record
what the API and the pages show. `everything_after_d` then changes all of it in
ways that must not touch D: an action logged later but dated D, an edit and a
retraction of D's actions, a goal revised and made private, the milestone reopened,
the review amended and its commitment marked, the feedback withdrawn, a new cheer,
Gus erased, a new timezone, target and away days — and moves the clock on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from service import commands as c
from service.clock import FixedClock
from tests.conftest import PASSWORD
from tests.web.conftest import Api, Person
from tests.web.helpers import json_of, log, mentor, share_group

D = date(2026, 3, 4)  # a Wednesday
END_OF_D = datetime(2026, 3, 4, 22, 59, 59, 999999, tzinfo=UTC)  # 23:59:59.999999 CET
SIGNALS = {"motivation": 4, "focus": 2, "learning": 4, "recognition": 3}


@dataclass
class Story:
    """Who is in it and the items the later changes touch."""

    ann: Person
    mia: Person  # Ann's mentor
    gus: Person  # in a group with Ann
    talk: str  # a goal visible to mentors, with a milestone done on D
    course: str  # a goal visible to the group
    milestone: str
    review: str
    commitment: str
    tuesday: str  # an action of Tuesday
    win: str  # D's win, on the course goal
    plain: str  # D's other action
    feedback: str  # Mia's feedback on D's win


def until_the_end_of_d(api: Api, clock: FixedClock) -> Story:
    """Ann's Monday to Wednesday; the clock at the last instant of Wednesday."""
    system = api.system
    ann = api.join("Ann", "Europe/Berlin")
    mia, gus = api.join("Mia"), api.join("Gus")
    mentor(system, ann, mia)
    share_group(system, ann, gus)
    talk = system.write(
        c.SetGoal(
            UUID(ann.id),
            "Give a conference talk on testing",
            "short",
            "Speaking is how I get noticed",
            date(2026, 6, 30),
            visibility="mentors",
            milestones=(c.NewMilestone("Submit the abstract", date(2026, 3, 20)),),
        )
    )
    course = _goal(api, ann, "Finish the statistics course", "group")
    log(api, ann, occurred_on="2026-03-02", goal_id=str(talk.id))
    clock.set(datetime(2026, 3, 3, 18, tzinfo=UTC))
    tuesday = log(api, ann, title="Met Sam for coffee", category="networking")
    review = _review(api, ann)
    clock.set(datetime(2026, 3, 4, 8, tzinfo=UTC))
    win = log(api, ann, title="Passed module 3", win=True, goal_id=course)
    plain = log(api, ann, title="Drafted the abstract", goal_id=str(talk.id))
    milestone = _complete_first_milestone(api, ann, str(talk.id))
    clock.set(datetime(2026, 3, 4, 20, tzinfo=UTC))
    feedback = _feedback(api, mia, win, "Well done — keep going!")
    for who in (mia, gus):
        json_of(api.post(who, "/cheers", json=_on(win)), 201)
    clock.set(END_OF_D)
    return Story(
        ann, mia, gus, str(talk.id), course, milestone, review["id"],
        review["commitments"][0]["id"], tuesday, win, plain, feedback,
    )  # fmt: skip


def everything_after_d(api: Api, clock: FixedClock, story: Story) -> None:
    """Change what D showed in every way that must not change D; a week later."""
    system, ann = api.system, story.ann
    me = UUID(ann.id)
    clock.set(datetime(2026, 3, 5, 9, tzinfo=UTC))
    log(api, ann, title="Backdated into Wednesday", occurred_on=D.isoformat())
    edit = {"title": "Passed module 3 with distinction", "win": False}
    json_of(api.patch(ann, f"/actions/{story.win}", json=edit))
    json_of(
        api.patch(ann, f"/actions/{story.plain}", json={"occurred_on": "2026-03-05"})
    )
    assert api.delete(ann, f"/actions/{story.tuesday}").status_code in (200, 204)
    system.write(
        c.ReviseGoal(me, UUID(story.talk), {"title": "Give two talks"}, "Aim higher")
    )
    system.write(
        c.ReviseGoal(me, UUID(story.course), {"visibility": "private"}, "Just mine")
    )
    system.write(c.ReopenMilestone(me, UUID(story.talk), UUID(story.milestone)))
    changed = {"signals": {**SIGNALS, "satisfaction": 5, "focus": 5}}
    system.write(c.AmendReview(me, UUID(story.review), changed))
    system.write(c.MarkCommitment(me, UUID(story.review), UUID(story.commitment), True))
    system.write(c.WithdrawFeedback(UUID(story.mia.id), UUID(story.feedback)))
    json_of(api.post(story.mia, "/cheers", json=_on(story.plain, "action")), 201)
    system.write(c.EraseMember(UUID(story.gus.id), PASSWORD))
    system.write(c.UpdateProfile(me, "Ann", "America/New_York"))
    system.write(c.SetWeeklyTarget(me, 5))
    system.write(c.SetAwayPeriod(me, date(2026, 3, 2), date(2026, 3, 4)))
    clock.set(datetime(2026, 3, 11, 12, tzinfo=UTC))
    log(api, ann, title="A new week")


def _goal(api: Api, who: Person, title: str, visibility: str) -> str:
    goal = c.SetGoal(
        UUID(who.id),
        title,
        "short",
        "It opens the data team to me",
        date(2026, 5, 31),
        visibility=visibility,
    )
    return str(api.system.write(goal).id)


def _review(api: Api, who: Person) -> Any:
    body = {
        "signals": {**SIGNALS, "satisfaction": 2},
        "went_well": "Met Sam",
        "commitments": [{"if_when": "When I open my laptop", "then": "study"}],
    }
    return json_of(api.post(who, "/reviews", json=body), 201)


def _complete_first_milestone(api: Api, who: Person, goal: str) -> str:
    milestone: str = json_of(api.get(who, f"/goals/{goal}"))["milestones"][0]["id"]
    api.system.write(c.CompleteMilestone(UUID(who.id), UUID(goal), UUID(milestone)))
    return milestone


def _on(item: str, kind: str = "action") -> dict[str, str]:
    return {"item_kind": kind, "item_id": item}


def _feedback(api: Api, who: Person, item: str, text: str) -> str:
    body = {**_on(item), "text": text}
    found: str = json_of(api.post(who, "/feedback", json=body), 201)["id"]
    return found
