"""Background work and schedules, the same way in both modes.

- Embedded (no `CATALOG_CELERY_BROKER_URL`): tasks run on a small thread pool inside the web or
  CLI process, each in its own app context.
- Server mode: tasks are sent to Celery workers on Redis
  (`celery -A catalog.worker worker`), which run the very same functions.

Areas declare their tasks and periodic jobs where they live:

    @task("harvest.run")
    def run_source(source_id: str) -> None: ...          # runs inside an app context

    @periodic("harvest.due", every=timedelta(minutes=15))
    def harvest_due() -> None: ...                       # enqueue what is due

    enqueue(app, "harvest.run", source.id)

Periodic jobs run once per slot across every process: `run_due()` claims a (name, slot) row and
only the process that inserted it enqueues the job. `run_due()` is called at most once a minute by
each web process (after a request), by `flask --app catalog jobs run-due` (cron), and by Celery beat.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy.exc import IntegrityError

from .db import registry_db
from .models import JobRun, utcnow

log = logging.getLogger(__name__)

_TASKS: dict[str, Callable[..., Any]] = {}


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta


_PERIODIC: dict[str, Periodic] = {}


def task(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _TASKS[name] = fn
        return fn

    return register


def periodic(name: str, every: timedelta) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _TASKS[name] = fn
        _PERIODIC[name] = Periodic(name, every)
        return fn

    return register


def registered() -> dict[str, Callable[..., Any]]:
    return dict(_TASKS)


def periodic_jobs() -> dict[str, Periodic]:
    return dict(_PERIODIC)


def _executor(app: Flask) -> ThreadPoolExecutor:
    executor = app.extensions.get("catalog_executor")
    if executor is None:
        executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="catalog-task")
        app.extensions["catalog_executor"] = executor
    return executor


def run_now(app: Flask, name: str, *args: Any) -> Any:
    """Run a task here and now, inside an app context (what threads and workers do)."""
    with app.app_context():
        return _TASKS[name](*args)


def _run_logged(app: Flask, name: str, args: tuple[Any, ...]) -> None:
    try:
        run_now(app, name, *args)
    except Exception:
        log.exception("task %s%r failed", name, args)


def enqueue(app: Flask, name: str, *args: Any) -> str | Future:
    """Start a task in the background; returns the Celery task id, or the local Future."""
    if name not in _TASKS:
        raise KeyError(f"unknown task {name}")
    if app.config["CATALOG"]["CELERY_BROKER_URL"]:
        return celery_for(app).send_task(name, args=list(args)).id
    return _executor(app).submit(_run_logged, app, name, args)


def drain(app: Flask) -> None:
    """Wait for this process's background tasks to finish (CLI commands before they exit)."""
    executor = app.extensions.pop("catalog_executor", None)
    if executor is not None:
        executor.shutdown(wait=True)


def run_due(app: Flask) -> list[str]:
    """Enqueue each periodic job whose current slot has not run yet; returns the names enqueued."""
    started = []
    now = utcnow().timestamp()
    for job in _PERIODIC.values():
        slot = int(now // job.every.total_seconds())
        session = registry_db(app).session_factory()
        try:
            session.add(JobRun(name=job.name, slot=slot))
            session.commit()
        except IntegrityError:
            session.rollback()
            continue  # another process has this slot
        finally:
            session.close()
        enqueue(app, job.name)
        started.append(job.name)
    return started


_last_tick: dict[int, float] = {}
_tick_lock = threading.Lock()


def tick(app: Flask, min_interval: float = 60.0) -> None:
    """Called after requests: run the due jobs in the background at most once a minute per process."""
    with _tick_lock:
        now = time.monotonic()
        if now - _last_tick.get(id(app), 0.0) < min_interval:
            return
        _last_tick[id(app)] = now
    _executor(app).submit(_run_due_logged, app)


def _run_due_logged(app: Flask) -> None:
    try:
        run_due(app)
    except Exception:
        log.exception("could not run the periodic jobs")


@task("catalog.ping")
def ping(message: str = "pong") -> str:
    """A task that only records that it ran: checks that workers are alive."""
    from .db import db_session

    session = db_session()
    session.add(JobRun(name="catalog.ping", slot=time.time_ns(), status="done", message=message,
                       finished_at=utcnow()))
    session.commit()
    return message


def celery_for(app: Flask) -> Any:
    """The app's Celery (server mode), with every registered task bound to run in an app context."""
    celery = app.extensions.get("catalog_celery")
    if celery is not None:
        return celery
    from celery import Celery

    celery = Celery("catalog", broker=app.config["CATALOG"]["CELERY_BROKER_URL"])
    queue = app.config["CATALOG"]["CELERY_QUEUE"] or "catalog"
    celery.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, task_default_queue=queue,
                       broker_connection_retry_on_startup=True,
                       beat_schedule={"catalog-run-due": {"task": "catalog.run_due", "schedule": 60.0}})
    for name in registered():
        celery.task(name=name)(_bound(app, name))
    def run_due_task() -> list[str]:
        return run_due(app)

    celery.task(name="catalog.run_due")(run_due_task)
    app.extensions["catalog_celery"] = celery
    return celery


def _bound(app: Flask, name: str) -> Callable[..., Any]:
    def run(*args: Any) -> Any:
        return run_now(app, name, *args)

    run.__name__ = name.replace(".", "_")
    return run


def init_app(app: Flask) -> None:
    if app.config["CATALOG"]["SCHEDULER"]:

        @app.teardown_request
        def _tick(_exc: BaseException | None) -> None:
            if not app.testing:
                tick(app)
