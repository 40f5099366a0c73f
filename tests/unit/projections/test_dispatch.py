"""Every event a read model handles still exists in the domain: a handler keyed by an
event that was renamed or removed would silently never run again."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from eventsourcing.domain import Aggregate

import projections
import service.domain
from projections.base import Projection


def domain_events() -> set[str]:
    """The qualified names (`Aggregate.Event`) of every domain event class."""
    found: set[str] = set()
    for info in pkgutil.iter_modules(service.domain.__path__):
        module = importlib.import_module(f"service.domain.{info.name}")
        for _, klass in inspect.getmembers(module, inspect.isclass):
            if not issubclass(klass, Aggregate):
                continue
            for value in vars(klass).values():
                if inspect.isclass(value) and issubclass(value, Aggregate.Event):
                    found.add(value.__qualname__)
    return found


def read_models() -> list[type[Projection]]:
    """Every `Projection` subclass in the projections package."""
    for info in pkgutil.iter_modules(projections.__path__):
        importlib.import_module(f"projections.{info.name}")
    todo, seen = [Projection], []
    while todo:
        for sub in todo.pop().__subclasses__():
            seen.append(sub)
            todo.append(sub)
    return seen


def test_the_domain_has_events_to_check_against() -> None:
    events = domain_events()
    assert {"Action.ActionLogged", "Goal.GoalSet", "Member.Erased"} <= events


def test_every_handled_event_exists_in_the_domain() -> None:
    events = domain_events()
    models = read_models()
    assert models, "no read models found"
    missing = {
        f"{model.__name__}: {name}"
        for model in models
        for name in model._dispatch
        if name not in events
    }
    assert not missing, f"handlers for events that do not exist: {sorted(missing)}"
