"""A rebuild in two processes: the second one's application and read models.

`momentum rebuild` (and a restore) replays the log into every read model; on a
machine with two or more cores a second process replays about half of the models
meanwhile (`projections.bluegreen.Share`). It is spawned, not forked, and builds
its own application and engine from the settings, as any other process of the
service does."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection as Pipe

from projections import bluegreen
from projections.db import make_engine
from projections.registry import all_models, with_checkpoints
from service.settings import Settings
from system import System, build_application


def helper(settings: Settings) -> bluegreen.Helper:
    """The second process of a rebuild of the store `settings` name."""
    return functools.partial(_replay, settings)


def second_process(system: System) -> bluegreen.Helper | None:
    """The helper for a rebuild or a far-behind catch-up of `system`'s store, if
    this machine has the cores for it."""
    return helper(system.settings) if workers() >= 2 else None


def workers() -> int:
    """Processes a rebuild uses by default: two where there are two cores."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def rebuild(
    system: System,
    names: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
    processes: int | None = None,
) -> int:
    """`system.runner.rebuild`, in `processes` processes (default: `workers()`)."""
    two = (processes or workers()) >= 2
    return system.runner.rebuild(
        names, progress, helper(system.settings) if two else None
    )


def _replay(settings: Settings, share: bluegreen.Share, pipe: Pipe) -> None:
    app = build_application(settings, create_tables=False)
    try:
        models = with_checkpoints(all_models(), app, settings)
        chosen = [m for m in models if m.name in share.names]
        bluegreen.replay_share(
            app, make_engine(settings.database_url), chosen, share, pipe
        )
    finally:
        app.close()
