"""Handing tasks to the broker so that a Redis outage loses none: `some_task.enqueue(**kwargs)` (or enqueue(task, ...)).

- Eager mode (no REDIS_URL, the unit tests): exactly `task.delay(**kwargs)`, the task runs in-process.
- Otherwise the task is published on a fresh connection with short timeouts (settings.REDIS_PUBLISH_TIMEOUT, one
  retry): a request never waits more than about two seconds for an unreachable broker. No result is subscribed to
  (ignore_result): the web never reads tasks' results, and the result backend's subscription alone would wait twenty
  seconds for a broker that is down, then break the process's Celery ("must be restarted").
- If the broker cannot be reached, the call is recorded in PendingTask (one row per distinct task and arguments)
  and logged. The pages of the jobs it runs say so (waiting_for(); the {% task_waiting %} tag).
- flush_pending_tasks() publishes the recorded calls again, oldest first, each row deleted in the transaction of its
  own publication: by the beat (flush_pending_tasks_task, every minute), by `manage.py flush_pending_tasks`, and
  after any successful enqueue (a few rows at a time). Each row is published once; if the database fails after the
  broker took the task, the row comes back and the task is published twice: tasks re-read their state and are safe
  to run twice (ARCHITECTURE.md).
"""

import hashlib
import json
import logging

from celery import Task
from django.conf import settings
from django.db import IntegrityError, transaction
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Rows published after a successful enqueue, inside the request that made it; the beat takes the rest.
OPPORTUNISTIC_BATCH = 20
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


class BrokerUnavailable(Exception):
    pass


def _is_broker_outage(error: Exception) -> bool:
    if isinstance(error, OperationalError | RedisConnectionError | RedisTimeoutError | OSError):
        return True
    return isinstance(error, ResponseError) and str(error).startswith(("OOM", "MISCONF", "READONLY"))


def call_key(name: str, kwargs: dict) -> str:
    canonical = json.dumps([name, kwargs], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def publish(task: Task, kwargs: dict):
    """Hand the task to the broker, or raise BrokerUnavailable within about REDIS_PUBLISH_TIMEOUT * 2 seconds."""
    app = task.app
    timeout = getattr(settings, "REDIS_PUBLISH_TIMEOUT", 1.0)
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    try:
        with app.connection_for_write(transport_options=options, connect_timeout=timeout) as connection:
            return task.apply_async(
                kwargs=kwargs, connection=connection, ignore_result=True, retry=True, retry_policy=PUBLISH_RETRY
            )
    except Exception as error:
        if _is_broker_outage(error):
            raise BrokerUnavailable(f"{type(error).__name__}: {error}") from error
        raise


def record(name: str, kwargs: dict, error: str):
    """Keep the call for later; a second identical call while the first waits adds nothing."""
    from .models import PendingTask

    key = call_key(name, kwargs)
    try:
        with transaction.atomic():
            pending, created = PendingTask.objects.get_or_create(
                key=key, defaults={"task": name, "kwargs": kwargs, "last_error": error[:500]}
            )
    except IntegrityError:  # the same call recorded at the same moment by another request
        return None
    if created:
        logger.warning("Broker unreachable (%s): task %s(%s) kept in PendingTask %s", error, name, kwargs, pending.pk)
    return pending


def enqueue(task: Task, **kwargs):
    """task.delay(**kwargs), that records the call when the broker is unreachable (see the module's docstring)."""
    if task.app.conf.task_always_eager:
        return task.delay(**kwargs)
    kwargs = json.loads(json.dumps(kwargs))  # what the broker would carry (JSON), and what a row can keep
    try:
        result = publish(task, kwargs)
    except BrokerUnavailable as error:
        record(task.name, kwargs, str(error))
        return None
    if _any_pending():
        try:
            flush_pending_tasks(limit=OPPORTUNISTIC_BATCH)
        except Exception:  # never let the catch-up break the request that found the broker back
            logger.exception("Publishing the pending tasks failed; the beat tries again")
    return result


class DurableTask(Task):
    """The app's task class (malisig/celery.py): every task has .enqueue(**kwargs)."""

    def enqueue(self, **kwargs):
        return enqueue(self, **kwargs)


def _any_pending() -> bool:
    from .models import PendingTask

    return PendingTask.objects.exists()


def flush_pending_tasks(limit: int | None = None) -> dict:
    """Publish the recorded calls, oldest first; stop at the first broker failure. Returns the counts."""
    from .celery import app
    from .models import PendingTask

    published = unknown = 0
    last_pk = 0
    while limit is None or published < limit:
        with transaction.atomic():
            # skip_locked: two flushers (beat, a request) never take the same row; the delete claims it on SQLite.
            pending = (
                PendingTask.objects.select_for_update(skip_locked=True).filter(pk__gt=last_pk).order_by("pk").first()
            )
            if pending is None:
                break
            last_pk = pending.pk
            task = app.tasks.get(pending.task)
            if task is None:
                unknown += 1
                logger.error("PendingTask %s names no known task (%s): kept", pending.pk, pending.task)
                continue
            if PendingTask.objects.filter(pk=pending.pk).delete()[0] == 0:
                continue  # another flusher published it
            try:
                if task.app.conf.task_always_eager:
                    task.delay(**pending.kwargs)
                else:
                    publish(task, pending.kwargs)
            except BrokerUnavailable as error:
                failure = str(error)
                transaction.set_rollback(True)
            else:
                failure = None
                published += 1
        if failure is not None:
            PendingTask.objects.filter(pk=pending.pk).update(attempts=pending.attempts + 1, last_error=failure[:500])
            logger.warning("Broker still unreachable (%s): %s task(s) published, the others wait", failure, published)
            return {"published": published, "unknown": unknown, "waiting": PendingTask.objects.count()}
    if published:
        logger.info("%s pending task(s) handed to the broker", published)
    return {"published": published, "unknown": unknown, "waiting": PendingTask.objects.count()}


def waiting_for(task_name: str, **kwargs) -> bool:
    """Whether a call of `task_name` with (at least) these arguments waits for the broker in PendingTask. A list
    (of ids or of rows) as a value matches any of them: one query for a whole list of jobs."""
    from .models import PendingTask

    lookups = {}
    for name, value in kwargs.items():
        if isinstance(value, list | tuple | set):
            lookups[f"kwargs__{name}__in"] = [getattr(item, "pk", item) for item in value]
        else:
            lookups[f"kwargs__{name}"] = value
    return PendingTask.objects.filter(task=task_name, **lookups).exists()
