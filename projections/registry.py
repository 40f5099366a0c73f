"""Every read model, and the runner that keeps them current for an application."""

from __future__ import annotations

from projections.audit import AuditIndex
from projections.db import make_engine
from projections.goals import GoalBoard
from projections.groups import GroupBoard
from projections.journal import Journal
from projections.metrics import Metrics
from projections.notifications import Notifications
from projections.relations import Relations
from projections.runner import ProjectionRunner, ReadModel
from service.application import MomentumApplication
from service.settings import Settings


def all_models() -> list[ReadModel]:
    """Every read model, in the order they are applied."""
    return [
        Relations(),
        GoalBoard(),
        Journal(),
        Metrics(),
        GroupBoard(),
        Notifications(),
        AuditIndex(),
    ]


def make_runner(app: MomentumApplication, settings: Settings) -> ProjectionRunner:
    """A runner over every read model, for the store named in `settings`."""
    runner = ProjectionRunner(app, make_engine(settings.database_url), all_models())
    runner.setup()
    return runner
