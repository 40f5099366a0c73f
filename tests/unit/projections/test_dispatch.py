"""Every event a read model handles still exists in the domain: a handler keyed by an
event that was renamed or removed would silently never run again. Batch-at-a-time
models dispatch on the domain's event classes themselves, so a removed event already
fails their import; the check here also catches a class that is no longer the one the
domain (and so the event store's mapper) uses."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

from eventsourcing.domain import Aggregate

import projections
import service.domain
from projections.batching import BatchedProjection


def domain_events() -> set[type[Aggregate.Event]]:
    """Every domain event class."""
    found: set[type[Aggregate.Event]] = set()
    for info in pkgutil.iter_modules(service.domain.__path__):
        module = importlib.import_module(f"service.domain.{info.name}")
        for _, klass in inspect.getmembers(module, inspect.isclass):
            if not issubclass(klass, Aggregate):
                continue
            for value in vars(klass).values():
                if inspect.isclass(value) and issubclass(value, Aggregate.Event):
                    found.add(value)
    return found


def read_models() -> list[type[BatchedProjection[Any]]]:
    """Every read model class in the projections package."""
    for info in pkgutil.iter_modules(projections.__path__):
        importlib.import_module(f"projections.{info.name}")
    todo: list[type[Any]] = [BatchedProjection]
    seen: list[type[Any]] = []
    while todo:
        for sub in todo.pop().__subclasses__():
            seen.append(sub)
            todo.append(sub)
    return seen


def test_the_domain_has_events_to_check_against() -> None:
    events = domain_events()
    names = {event.__qualname__ for event in events}
    assert {"Action.ActionLogged", "Goal.GoalSet", "Member.Erased"} <= names


def test_every_handled_event_exists_in_the_domain() -> None:
    events = domain_events()
    models = read_models()
    assert len(models) >= 7, "read models not found"
    missing = {
        f"{model.__name__}: {klass.__qualname__}"
        for model in models
        if "handlers" in vars(model)
        for klass in model.handlers.classes
        if klass not in events
    }
    assert not missing, f"handlers for events that do not exist: {sorted(missing)}"
