"""The `momentum` command line."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from entrypoints.demo import DemoAccount
from projections.tracking import Stopped
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.errors import DomainError
from service.keys import SecretMismatchError
from service.settings import Settings
from system import System, open_system

if TYPE_CHECKING:
    from projections.runner import ProjectionRunner

console = Console()
PROBLEMS_SHOWN = 20
"""`audit verify` prints at most this many problems."""


@contextlib.contextmanager
def _system(clock: FixedClock | None = None) -> Iterator[System]:
    """The system as every command uses it, built by the composition root from the
    environment: storage ready (migrated), no follower thread (`project` runs one;
    other commands catch the read models up where they read them)."""
    system = open_system(Settings.from_env(), clock=clock, follow=False)
    try:
        yield system
    except DomainError as e:
        raise click.ClickException(e.message) from e
    except SecretMismatchError as e:
        raise click.ClickException(str(e)) from e
    finally:
        system.close()


@contextlib.contextmanager
def _app(clock: FixedClock | None = None) -> Iterator[MomentumApplication]:
    """The application of `_system`, for commands that need nothing else."""
    with _system(clock) as system:
        yield system.app


def _event_count(app: MomentumApplication) -> int:
    return app.recorder.max_notification_id() or 0


@click.group()
def main() -> None:
    """Momentum: goals, actions and reviews for people getting out of a career rut."""


@main.command()
def init() -> None:
    """Create or migrate storage."""
    from system.rotation import wrap_member_keys

    settings = Settings.from_env()
    with _app() as app:  # creates the event store's tables, migrates the read models
        wrapped, _ = wrap_member_keys(app)  # keys of a store made before wrapping
        console.print(
            f"Storage ready at [bold]{_safe_url(settings.database_url)}[/] "
            f"({_event_count(app)} events; read models migrated"
            f"{f'; {wrapped} member keys wrapped' if wrapped else ''})."
        )


@main.command()
@click.option("--seed", default=7, show_default=True, help="Same seed, same story.")
@click.option("--weeks", default=12, show_default=True, help="Weeks of history.")
@click.option("--if-empty", is_flag=True, help="Do nothing if the store has events.")
def demo(seed: int, weeks: int, if_empty: bool) -> None:
    """Load the demo data set: members, a mentor, a group, weeks of history."""
    from entrypoints.demo import demo_accounts, load_demo

    end = datetime.now(UTC).replace(microsecond=0)
    clock = FixedClock(end)
    with _app(clock) as app:
        if if_empty and _event_count(app):
            console.print("The store already has data; demo not loaded.")
            if app.member_id_for_email(_first_demo_email()):
                _print_accounts(demo_accounts())
            return
        if app.member_id_for_email(_first_demo_email()):
            raise click.ClickException("The demo is already loaded in this store.")
        summary = load_demo(app, clock, seed=seed, weeks=weeks, end=end)
    console.print(
        f"Demo loaded: {summary.members} members, {summary.goals} goals, "
        f"{summary.actions} actions, {summary.reviews} reviews, {summary.feedback} "
        f"feedback, {summary.cheers} cheers, {summary.groups} group(s)."
    )
    _print_accounts(summary.accounts)


def _print_accounts(accounts: Sequence[DemoAccount]) -> None:
    from entrypoints.demo import DEMO_PASSWORD

    console.print(f"Demo accounts (password [bold]{DEMO_PASSWORD}[/]):")
    for account in accounts:
        line = f"  {account.email}  {account.display_name}: {account.story}"
        console.print(line, soft_wrap=True)


def _first_demo_email() -> str:
    from entrypoints.demo import demo_accounts

    return str(demo_accounts()[0].email)


@main.group()
def admin() -> None:
    """Operator tasks."""


@admin.command("grant")
@click.argument("email")
@click.option("--role", default="admin", show_default=True)
def admin_grant(email: str, role: str) -> None:
    """Grant a role to the member registered with EMAIL."""
    with _app() as app:
        member = app.get_member(app.handle(c.GrantRole(None, email, role)).id)
    console.print(f"{member.email} is now {role}.")


@admin.command("revoke")
@click.argument("email")
@click.option("--role", default="admin", show_default=True)
def admin_revoke(email: str, role: str) -> None:
    """Revoke a role from the member registered with EMAIL."""
    with _app() as app:
        member = app.get_member(app.handle(c.RevokeRole(None, email, role)).id)
    console.print(f"{member.email} is no longer {role}.")


@main.command()
@click.argument("email")
@click.option("--events", "limit", default=15, show_default=True, help="Recent events.")
def show(email: str, limit: int) -> None:
    """Print a member's goals and most recent events."""
    from service.inspect import member_goals, recent_events

    with _app() as app:
        member_id = app.member_id_for_email(email)
        if member_id is None:
            raise click.ClickException(f"No member is registered with {email}.")
        member = app.get_member(member_id)
        console.print(
            f"[bold]{member.display_name}[/] <{member.email}> · {member.timezone}"
            f" · target {member.weekly_target}/week"
        )
        goals = Table("goal", "status", "progress", "due", "milestones", title="Goals")
        for goal in member_goals(app, member_id):
            done = sum(1 for m in goal.milestones.values() if m["completed"])
            goals.add_row(
                goal.title,
                goal.status,
                f"{goal.progress_percent():.0f}%",
                str(goal.due_on),
                f"{done}/{len(goal.milestones)}",
            )
        console.print(goals)
        events = Table("time (UTC)", "event", "aggregate", title="Recent events")
        for e in recent_events(app, member_id, limit):
            events.add_row(
                e.timestamp.strftime("%Y-%m-%d %H:%M"),
                type(e).__qualname__,
                str(e.originator_id)[:8],
            )
        console.print(events)


@main.command()
@click.option("--once", is_flag=True, help="Catch up, then exit.")
@click.option("--poll", default=0.5, show_default=True, help="Seconds between polls.")
@click.option(
    "--fail-fast",
    is_flag=True,
    help="Exit non-zero as soon as a read model stops on an event it cannot apply "
    "(by default it stops alone and the others go on).",
)
def project(once: bool, poll: float, fail_fast: bool) -> None:
    """Follow the event log and keep the read models current."""
    import contextlib
    import signal
    import threading

    from projections.follower import Follower
    from system.rebuild import second_process

    with _system() as system:
        runner = system.runner
        if once:
            runner.resume()
            applied = runner.catch_up(None, second_process(system))
            console.print(f"Applied {applied} events; lag {runner.lag()}.")
            _report_stopped(runner.stopped(), fail_fast)
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        follower = Follower(runner, poll_interval=poll).start()
        console.print("Following the event log (Ctrl-C to stop).")
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: stop cleanly
            while not stop.wait(1.0):
                if fail_fast and runner.stopped():
                    break
        follower.stop()
        _report_stopped(runner.stopped(), fail_fast)


def _report_stopped(stopped: Sequence[Stopped], fail: bool) -> None:
    """Print each stopped read model; with `fail`, exit non-zero if any."""
    for each in stopped:
        console.print(f"[red]Read model {each.describe()}[/red]", soft_wrap=True)
    if stopped and fail:
        raise click.ClickException(f"{len(stopped)} read model(s) stopped")


@main.command()
@click.argument("names", nargs=-1)
@click.option(
    "--processes",
    type=click.IntRange(1, 2),
    default=None,
    help="1, or 2: a second process replays about half the models "
    "(default: 2 where there are two cores or more).",
)
def rebuild(names: tuple[str, ...], processes: int | None) -> None:
    """Rebuild read models (all, or the NAMES given) from zero beside the live ones,
    then swap them in: readers never see a half-built model."""
    from rich.progress import Progress

    from system.rebuild import rebuild as rebuild_system

    with _system() as system, Progress(console=console) as bar:
        runner = system.runner
        known = {m.name for m in runner.models}
        unknown = set(names) - known
        if unknown:
            raise click.BadParameter(
                f"unknown read model {sorted(unknown)[0]!r}; "
                f"known: {', '.join(sorted(known))}"
            )
        head = system.app.recorder.max_notification_id() or 0
        task = bar.add_task("Rebuilding", total=head)
        count = rebuild_system(
            system, list(names) or None, lambda n: bar.advance(task, n), processes
        )
        stopped = [s for s in runner.stopped() if not names or s.name in names]
    _report_stopped(stopped, fail=True)
    console.print(
        f"Rebuilt {', '.join(names) or 'all read models'} from {count} events."
    )


@main.group()
def keys() -> None:
    """The server secret and the member keys it wraps."""


@keys.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1))
def keys_rotate(batch_size: int) -> None:
    """Re-wrap every member key and re-key the email index under the new server
    secret (MOMENTUM_SECRET_KEY), reading what the old one
    (MOMENTUM_SECRET_KEY_PREVIOUS) wrapped; then sign the audit chain's head under
    the new secret. Each batch commits on its own: an interrupted run is resumed
    by running it again. Without a previous secret it wraps the keys and re-keys
    the addresses of a store made before either."""
    from rich.progress import Progress

    from system.rotation import keys_to_wrap, registered_count, rotate

    with _system() as system, Progress(console=console) as bar:
        app = system.app
        total = keys_to_wrap(app) + registered_count(app)
        task = bar.add_task("Re-wrapping keys, re-keying addresses", total=total)
        done = rotate(
            system, batch_size=batch_size, progress=lambda n: bar.advance(task, n)
        )
    console.print(
        f"{done.keys} member key(s) wrapped under the new secret; "
        f"{done.emails} email address(es) re-keyed."
    )
    if done.chain is not None and not done.chain.ok:
        raise click.ClickException(
            f"Audit chain not signed under the new secret: it is broken at event "
            f"{done.chain.first_break}: {done.chain.reason} "
            "(see `momentum audit verify`)."
        )
    if done.checkpoint is not None:
        console.print(f"Audit chain head (event {done.checkpoint}) signed anew.")
    if system.settings.previous_secret_key:
        console.print("Rotation done: unset MOMENTUM_SECRET_KEY_PREVIOUS and restart.")


@main.group()
def audit() -> None:
    """The tamper-evident audit chain."""


def _catch_up_if_readable(runner: ProjectionRunner) -> None:
    """Bring the chain up to date; a row the event store cannot read stops the
    catch-up, not the check (verify names it)."""
    from projections.audit import READ_ERRORS

    try:
        runner.catch_up()
    except READ_ERRORS as error:
        console.print(
            f"Read models not caught up: the event log has a row that cannot be "
            f"read ({type(error).__name__}: {error}).",
            soft_wrap=True,
            markup=False,
        )


@audit.command("verify")
def audit_verify() -> None:
    """Recompute the chain over the stored events and compare it with the chain
    kept and the signed checkpoints; name every problem at its position."""
    from projections.audit import verify

    with _system() as system:
        _catch_up_if_readable(system.runner)
        settings = system.settings
        check = verify(
            system.app,
            system.engine,
            settings.secret_key,
            settings.previous_secret_key,
        )
    if not check.ok:
        for problem in check.problems[:PROBLEMS_SHOWN]:
            console.print(
                f"event {problem.position}: {problem.kind}: {problem.detail}",
                soft_wrap=True,
                markup=False,
            )
        if check.problem_count > PROBLEMS_SHOWN:
            console.print(f"... {check.problem_count - PROBLEMS_SHOWN} more problems")
        raise click.ClickException(
            f"Chain broken at event {check.first_break}: {check.reason} "
            f"({check.checked} events verified before it; "
            f"{check.problem_count} problem(s))."
        )
    console.print(
        f"Audit chain intact: {check.checked} events verified; "
        f"{check.checkpoints} signed checkpoint(s) match."
    )


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Verify the chain, then sign its head (position, hash, time) with a key derived
    from the server secret and keep it in the append-only checkpoints table."""
    from projections.audit import checkpoint_key, verify, write_checkpoint

    with _system() as system:
        settings = system.settings
        _catch_up_if_readable(system.runner)
        check = verify(system.app, system.engine, settings.secret_key)
        if not check.ok:
            raise click.ClickException(
                f"Not signed: the chain is broken at event {check.first_break}: "
                f"{check.reason} (see `momentum audit verify`)."
            )
        if not check.head:
            raise click.ClickException("Nothing to sign: no event is chained yet.")
        with system.engine.begin() as conn:
            signed = write_checkpoint(
                conn,
                checkpoint_key(settings.secret_key),
                check.head,
                check.head_hash,
                system.now(),
            )
    console.print(
        f"Checkpoint {signed.id} signed at event {signed.position}, "
        f"{signed.signed_at:%Y-%m-%d %H:%M:%S} UTC\n"
        f"chain hash {signed.chain_hash}\nsignature  {signed.signature}\n"
        "Keep a copy outside the database: it shows what the log held then.",
        soft_wrap=True,
    )


@audit.command("export")
@click.option("--after", default=0, show_default=True, help="Start after position.")
@click.option("--limit", type=int, default=None, help="At most this many events.")
def audit_export(after: int, limit: int | None) -> None:
    """Write the event log as JSON Lines to stdout: metadata of every event
    (position, aggregate, type, version, actor, time, chain hash), no content."""
    import sys

    from projections.audit import export_lines

    with _system() as system:
        system.runner.catch_up()
        for line in export_lines(system.app, system.engine, None, after, limit):
            sys.stdout.write(line)


@main.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Copy the embedded default (SQLite) into the new directory PATH while it
    serves: read models, then events and keys, the local secret, a manifest."""
    from system.backup import BackupError
    from system.backup import backup as take

    try:
        made = take(Settings.from_env(), path, datetime.now(UTC))
    except BackupError as e:
        raise click.ClickException(e.message) from e
    behind = min(made.positions.values(), default=0)
    console.print(
        f"Backed up {made.events} events to [bold]{path}[/] (read models "
        f"up to event {behind}; a restore rebuilds them)."
        + (
            ""
            if made.secret_included
            else " The server secret is not in it "
            "(MOMENTUM_SECRET_KEY): keep it safe apart."
        ),
        soft_wrap=True,
    )
    if made.secret_included:
        console.print(
            "It holds var/secret_key, which opens every member's content: "
            "store it as you would the secret."
        )


@main.command()
@click.argument(
    "path", required=False, type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Restore nothing: verify the current store (SQLite or PostgreSQL).",
)
def restore(path: Path | None, check_only: bool) -> None:
    """Bring the backup at PATH back into an empty var/, rebuild the read models and
    verify; with --check, verify the current store: audit chain, signed
    checkpoints, read models equal to a rebuild."""
    from system.backup import BackupError, environment_paths, restore_files
    from system.rebuild import rebuild as rebuild_system

    if check_only == (path is not None):
        raise click.UsageError("Give either a backup PATH or --check.")
    if path is not None:
        try:
            made = restore_files(path, environment_paths())
        except BackupError as e:
            raise click.ClickException(e.message) from e
        console.print(
            f"Restored {made.events} events from {path} (taken {made.taken_at}); "
            "rebuilding the read models.",
            soft_wrap=True,
        )
        with _system() as system:
            count = rebuild_system(system)
            console.print(f"Rebuilt every read model from {count} events.")
            _check(system)
        return
    with _system() as system:
        _check(system)


def _check(system: System) -> None:
    from system.backup import check

    _catch_up_if_readable(system.runner)
    report = check(system.app, system.runner, system.engine, system.settings.secret_key)
    chain = report.chain
    problems: list[str] = []
    if chain.ok:
        console.print(
            f"[green]✓[/] Audit chain intact: {chain.checked} events verified; "
            f"{chain.checkpoints} signed checkpoint(s) match."
        )
    else:
        for problem in chain.problems[:PROBLEMS_SHOWN]:
            console.print(
                f"event {problem.position}: {problem.kind}: {problem.detail}",
                soft_wrap=True,
                markup=False,
            )
        problems.append(
            f"audit chain broken at event {chain.first_break}: {chain.reason}"
        )
    for each in report.stopped:
        problems.append(f"read model {each.describe()}")
    for difference in report.differences:
        problems.append(difference.describe())
    if report.moved:
        problems.append(
            "the log grew while the check ran (the read models were at "
            f"{report.positions}, the rebuild at {report.rebuilt_to}): check again "
            "when the store is quiet"
        )
    if not report.stopped and not report.differences and not report.moved:
        console.print(
            f"[green]✓[/] Read models equal a rebuild: {report.tables} tables "
            f"compared at event {report.rebuilt_to}."
        )
    if problems:
        for found in problems:
            console.print(f"✗ {found}", style="red", soft_wrap=True, markup=False)
        raise click.ClickException(f"Check failed: {len(problems)} problem(s).")
    console.print("Store verified.")


@main.group()
def digests() -> None:
    """Digest emails (SPEC 8): plan and send them."""


def _parse_now(value: str | None) -> datetime | None:
    """An ISO 8601 time (UTC when it names no offset), or None."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError as e:
        raise click.BadParameter(f"not an ISO 8601 time: {value}") from e
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@digests.command("send")
@click.option("--now", "now_text", help="Plan and send as if it were this time (ISO).")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print what would be planned and sent; change nothing.",
)
def digests_send(now_text: str | None, dry_run: bool) -> None:
    """Run one round by hand: plan the reminders and digests due now, then send
    what is due."""
    from notify.delivery import run_round

    now = _parse_now(now_text)
    with _system() as system:
        system.runner.catch_up()  # digests read the read models: bring them up to date
        report = run_round(
            system.engine,
            system.settings,
            now or system.now(),
            dry_run=dry_run,
            issue=system.app.handle,
        )
    for line in report.lines():
        click.echo(line)
    if report.sent.failed or report.sent.retrying:
        raise SystemExit(1)


@main.command("export")
@click.argument("email")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)
def export(email: str, output: str | None) -> None:
    """Export everything about the member with EMAIL as JSON (SPEC 9)."""
    import json

    from projections.privacy import export_document

    with _system() as system:
        app = system.app
        member_id = app.member_id_for_email(email)
        if member_id is None:
            raise click.ClickException(f"No member is registered with {email}.")
        system.runner.catch_up()
        with system.read() as conn:
            document = export_document(app, conn, member_id, system.now())
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        console.print(f"Wrote {len(document['events'])} events to {output}.")
    else:
        click.echo(text)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web app with the projection follower and the scheduler (digests,
    housekeeping) in this process: the embedded default."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from werkzeug.serving import run_simple

    from entrypoints.scheduler import add_jobs
    from web import create_app

    system = open_system()
    scheduler = add_jobs(BackgroundScheduler(timezone="UTC"), system)
    try:
        scheduler.start()
        url = f"http://{host}:{port}"
        console.print(
            f"Momentum is at [bold]{url}[/] (API docs: {url}/api/v1/swagger). "
            "Ctrl-C to stop."
        )
        run_simple(host, port, create_app(system), threaded=True)
    finally:
        scheduler.shutdown(wait=True)
        system.close()


@main.command()
def scheduler() -> None:
    """Run the scheduler: a digest round every 15 minutes on the quarter hour (plan,
    then send) and hourly housekeeping; SIGTERM or Ctrl-C stops it between rounds."""
    import signal

    from apscheduler.events import EVENT_SCHEDULER_STARTED
    from apscheduler.schedulers.blocking import BlockingScheduler

    from entrypoints.scheduler import add_jobs

    def started(_event: object) -> None:  # running from here on: SIGTERM can stop it
        signal.signal(signal.SIGTERM, lambda *_: blocking.shutdown(wait=True))
        console.print("Scheduler started: digest rounds at :00, :15, :30 and :45.")

    with _system() as system:
        blocking = add_jobs(BlockingScheduler(timezone="UTC"), system)
        blocking.add_listener(started, EVENT_SCHEDULER_STARTED)
        try:
            blocking.start()
        except KeyboardInterrupt:  # Ctrl-C: stop cleanly too
            blocking.shutdown(wait=True)
        console.print("Scheduler stopped.")


@main.command()
def summary() -> None:
    """Print what the store holds and how to explore it."""
    from service.inspect import event_type_counts

    settings = Settings.from_env()
    with _app() as app:
        counts = event_type_counts(app)
    console.print(
        f"Store: [bold]{_safe_url(settings.database_url)}[/], "
        f"{sum(counts.values())} events."
    )
    table = Table("event", "count", title="Events by type")
    for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(name, str(n))
    console.print(table)
    console.print(
        "Explore: [bold].venv/bin/momentum show EMAIL[/] prints a member's goals "
        "and recent events; [bold].venv/bin/momentum --help[/] lists every command."
    )


def _safe_url(url: str) -> str:
    """The database URL without its password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}@{host}"
    return url


if __name__ == "__main__":  # python -m entrypoints.cli
    main()
