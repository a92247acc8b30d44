"""The base of every API view (DESIGN.md §6, THREATS.md B): `ApiEndpoint` refuses unknown, empty or
repeated query parameters, makes every response `Cache-Control: no-store`, answers errors as JSON and
leaves one `ApiAccessLog` row per request, the processing record of PIPL art. 56 (values logged only for
known parameters, ID-number-like digit runs masked). No record, no data: a failed write is a 500.
"""

import logging
import re
import time

from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from targets.models import ApiAccessLog

from .errors import SERVER_ERROR, ApiValidationError
from .permissions import InScopeReadOnly, ReadOnlyMethods, api_client, api_unmasked

logger = logging.getLogger("wanzhou_jobs.api")

UNKNOWN_PARAMS = _("不支持的查询参数：{names}。可用参数：{allowed}。")
PARAM_EMPTY = _("参数 {name} 的值为空：不需要这项过滤时请省略该参数。")
PARAM_REPEATED = _("参数 {name} 只能出现一次。")

# Values of these parameters are written to the access log; of any other parameter only its name.
LOGGED_PARAMS = ("township", "industry", "year", "updated_since", "as_of", "page_size", "cursor")
_SENSITIVE_VALUE = re.compile(r"\d{11,}|\d{6,}[0-9Xx]\b")


def params_check(request, allowed: tuple[str, ...]) -> None:
    """400 for an unknown, empty or repeated parameter: a mistyped filter, or a filter whose value a client
    forgot to fill in (`?township=`), must not silently widen what a client syncs; nor may two values of
    one parameter leave it to the server which one counts."""
    params = request.query_params
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        names = "、".join(name[:40] for name in unknown[:5])
        raise ApiValidationError(
            UNKNOWN_PARAMS.format(names=names, allowed="、".join(allowed) or "无"),
            {name[:40]: _g("不支持的参数。") for name in unknown[:5]},
        )
    for name in params:
        values = params.getlist(name)
        if len(values) > 1:
            raise ApiValidationError(
                PARAM_REPEATED.format(name=name), {name: PARAM_REPEATED.format(name=name)}
            )
        if not values[0].strip():
            raise ApiValidationError(PARAM_EMPTY.format(name=name), {name: PARAM_EMPTY.format(name=name)})


def _log_text(value: str, limit: int) -> str:
    """Printable characters only (PostgreSQL JSON refuses NUL), ID-number-like digit runs masked."""
    text = "".join(char for char in value[:limit] if char.isprintable())
    return _SENSITIVE_VALUE.sub("***", text)


def _logged_query(request) -> dict:
    out = {}
    for name in request.query_params:
        if name in LOGGED_PARAMS:
            out[name] = _log_text(request.query_params.get(name, ""), 100)
        else:
            out[_log_text(name, 40)] = "***"
    return out


def access_log_record(
    request, *, endpoint: str, status: int, record_count: int | None, fields, started: float
):
    """Write the processing record of one request (PIPL art. 56); returns the row."""
    client = api_client(request)
    user = getattr(request, "_user", None)
    real_user = user if client is None and getattr(user, "pk", None) else None
    if client is not None:
        principal = f"client:{client.name}"
    elif real_user is not None:
        principal = f"user:{real_user.get_username()}"
    else:
        principal = "anonymous"
    return ApiAccessLog.objects.create(
        client=client,
        user=real_user,
        principal=principal[:160],
        endpoint=endpoint[:200],
        method=request.method[:10],
        query=_logged_query(request),
        status=status,
        record_count=record_count,
        fields=list(fields or []),
        unmasked=bool(record_count) and api_unmasked(request),
        ip=request.META.get("REMOTE_ADDR") or None,
        duration_ms=int((time.perf_counter() - started) * 1000),
        at=timezone.now(),
    )


class ApiEndpoint:
    """Mixin for every API view, before `APIView` (`class X(ApiEndpoint, APIView)`): read-only, no-store, JSON
    errors, one access-log row per request. (A mixin because `rest_framework.views` imports this module
    through the settings, so this module cannot import it.)

    A view sets `self.record_count` and `self.fields_returned` for the log; a streaming view sets
    `self.streaming = True` and updates its row through `self.access_log_finish(count)` when the stream ends.
    """

    permission_classes = [InScopeReadOnly, ReadOnlyMethods]
    metadata_class = None
    allowed_params: tuple[str, ...] = ()
    log_endpoint = ""

    def initial(self, request, *args, **kwargs):
        self._started = time.perf_counter()
        self.record_count = None
        self.fields_returned = []
        self.streaming = False
        self.access_log_id = None
        super().initial(request, *args, **kwargs)
        # A token in the query string (`?token=` …) never gets here: authentication refused it with a 401.
        params_check(request, self.allowed_params)

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and isinstance(response, Response):
            # Errors are JSON whatever the endpoint streams on success.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        response["Pragma"] = "no-cache"
        started = getattr(self, "_started", None) or time.perf_counter()
        ok = response.status_code < 400
        try:
            row = access_log_record(
                request,
                endpoint=self.log_endpoint or request.path,
                status=response.status_code,
                record_count=getattr(self, "record_count", None) if ok else None,
                fields=getattr(self, "fields_returned", []) if ok else [],
                started=started,
            )
        except Exception:
            # No record, no data (fail closed): the processing record is a legal duty.
            logger.exception("API access log could not be written")
            response = Response({"message": str(SERVER_ERROR), "fields": {}}, status=500)
            return super().finalize_response(request, response, *args, **kwargs)
        self.access_log_id = row.pk
        return response

    def access_log_finish(self, count: int) -> None:
        if self.access_log_id is not None:
            ApiAccessLog.objects.filter(pk=self.access_log_id).update(
                record_count=count,
                duration_ms=int((time.perf_counter() - self._started) * 1000),
            )
