"""Logs an operator can read (issue 21, item 3): one JSON line per request and per Celery task.

Each line carries time, level, logger, message, request id and user id; a request's line adds method, path,
status and duration, a task's line its name, id, state and duration. The request id comes from nginx's
`X-Request-ID` (or is made here), is returned in the response's `X-Request-ID`, and travels in the headers
of every task the request enqueues, so a clerk's upload and the import it starts share one id.

No line carries an ID number or a phone: the code logs primary keys only, a request's line holds its path
without the query string, and the formatter masks anything shaped like either as a last guard (the test
suite's canary checks the lines before that mask, so a leak at its source still fails a test).
"""

import contextlib
import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import datetime

from django.utils.functional import empty

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
user_id_var: ContextVar[int | None] = ContextVar("user_id", default=None)
_request_var: ContextVar[object | None] = ContextVar("request", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_ID_NUMBER = re.compile(r"(?<![0-9])([1-9]\d{5})\d{8}(\d{3}[0-9Xx])(?![0-9])")
_PHONE = re.compile(r"(?<![0-9])(1[3-9]\d)\d{4}(\d{4})(?![0-9])")
# The fields a record may carry through `extra=`, in the order they are written.
FIELDS = ("method", "path", "status", "duration_ms", "task", "task_id", "state")

logger = logging.getLogger("wanzhou_jobs.requests")
task_logger = logging.getLogger("wanzhou_jobs.tasks")


def scrub(text: str) -> str:
    """Mask ID numbers and mobile numbers as the lists do (500101********123X, 138****1234)."""
    return _PHONE.sub(r"\1****\2", _ID_NUMBER.sub(r"\1********\2", text))


def current_user_id() -> int | None:
    """The signed-in user of the current request, if the request has already looked it up (never a query)."""
    if user_id_var.get() is not None:
        return user_id_var.get()
    request = _request_var.get()
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None


class JsonFormatter(logging.Formatter):
    """One JSON object per line. `scrub=False` only for the test suite's canary (conftest.py)."""

    def __init__(self, *args, scrub: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
            "user_id": getattr(record, "user_id", None) or current_user_id(),
        }
        for field in FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        text = json.dumps(line, ensure_ascii=False, default=str)
        return scrub(text) if self.scrub else text


class RequestLogMiddleware:
    """First in MIDDLEWARE: sets the request id, and writes the request's line when the response is made."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Kept until `request_finished` (below): Django logs a 404 or 500 after the middleware has returned.
        request_id_var.set(request_id)
        _request_var.set(request)
        started = time.perf_counter()
        response = self.get_response(request)
        status = response.status_code
        level = logging.ERROR if status >= 500 else logging.INFO
        logger.log(
            level,
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        response[REQUEST_ID_HEADER] = request_id
        return response


def on_request_finished(**_):
    request_id_var.set(None)
    _request_var.set(None)


# --- Celery: the id travels in the task's headers; one line per task -------------------------------------

_started: dict[str, tuple[float, object, object]] = {}


def on_before_task_publish(headers=None, **_):
    if headers is None:
        return
    if request_id_var.get():
        headers["wz_request_id"] = request_id_var.get()
    if current_user_id() is not None:
        headers["wz_user_id"] = current_user_id()


def on_task_prerun(task_id=None, task=None, **_):
    request = getattr(task, "request", None)
    request_id = getattr(request, "wz_request_id", None)
    user_id = getattr(request, "wz_user_id", None)
    # Eager tasks run inside the request: keep its id when the message carried none.
    tokens = (
        request_id_var.set(request_id or request_id_var.get() or f"task-{task_id}"),
        user_id_var.set(user_id if user_id is not None else current_user_id()),
    )
    _started[task_id] = (time.perf_counter(), *tokens)


def on_task_postrun(task_id=None, task=None, state=None, **_):
    started, *tokens = _started.pop(task_id, (None, None, None))
    if started is not None:
        task_logger.info(
            "task %s %s",
            getattr(task, "name", task),
            state,
            extra={
                "task": getattr(task, "name", None),
                "task_id": task_id,
                "state": state,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
    for var, token in zip((request_id_var, user_id_var), tokens, strict=True):
        if token is not None:
            # A token of another context (a worker's thread pool) cannot be reset there: leave it.
            with contextlib.suppress(ValueError):
                var.reset(token)


def connect_signals() -> None:
    """Request id cleared when a response is finished; task headers and task lines (wanzhou_jobs/celery.py)."""
    from celery.signals import before_task_publish, task_postrun, task_prerun
    from django.core.signals import request_finished

    request_finished.connect(on_request_finished, weak=False, dispatch_uid="wz-logs-request-finished")

    before_task_publish.connect(on_before_task_publish, weak=False, dispatch_uid="wz-logs-publish")
    task_prerun.connect(on_task_prerun, weak=False, dispatch_uid="wz-logs-prerun")
    task_postrun.connect(on_task_postrun, weak=False, dispatch_uid="wz-logs-postrun")
