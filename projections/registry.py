"""Every read model (the composition root, `system`, builds the runner over them)."""

from __future__ import annotations

from collections.abc import Sequence

from projections.audit import AuditIndex, CheckpointSigner, with_signer
from projections.goals import GoalBoard
from projections.groups import GroupBoard
from projections.history import History
from projections.journal import Journal
from projections.metrics import Metrics
from projections.notifications import Notifications
from projections.relations import Relations
from projections.runner import ReadModel
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
        History(),
        AuditIndex(),
    ]


def with_checkpoints(
    models: Sequence[ReadModel], app: MomentumApplication, settings: Settings
) -> list[ReadModel]:
    """The models, the audit index among them signing checkpoints of the chain
    with the server secret as it goes (`projections.audit.CheckpointSigner`)."""
    signer = CheckpointSigner.from_secret(settings.secret_key, app.clock.now)
    return with_signer(models, signer)
