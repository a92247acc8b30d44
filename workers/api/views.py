"""Endpoints of the ledger feeds (DESIGN.md §6): parse the query (`filters`) → `feeds` or `export` → JSON page
or stream."""

from datetime import UTC, datetime

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from wanzhou_jobs.api import (
    ApiEndpoint,
    api_scope,
    api_unmasked,
    cursor_decode,
    cursor_encode,
    error_responses,
    iso,
    page_size_parse,
    sync_horizon,
)

from . import schema
from .export import ExportStream
from .feeds import EMPLOYMENTS, WORKERS, Feed, RawJSON, feed_page
from .filters import FILTER_PARAMS, filters_parse
from .records import EMPLOYMENT_FIELDS

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class FeedRenderer(JSONRenderer):
    """DRF's JSON, except that records PostgreSQL already rendered (`feeds.RawJSON`) are spliced into
    `results` as they are instead of being parsed and encoded again."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        results = data.get("results") if isinstance(data, dict) else None
        if not results or not any(isinstance(item, RawJSON) for item in results):
            return super().render(data, accepted_media_type, renderer_context)
        envelope = super().render({k: v for k, v in data.items() if k != "results"})
        parts = [
            item.encode() if isinstance(item, RawJSON) else super(FeedRenderer, self).render(item)
            for item in results
        ]
        return envelope[:-1] + b',"results":[' + b",".join(parts) + b"]}"


class FeedView(ApiEndpoint, APIView):
    feed: Feed
    allowed_params = (*FILTER_PARAMS, "cursor", "page_size")
    renderer_classes = [FeedRenderer]

    def get(self, request):
        filters = filters_parse(request.query_params)
        size = page_size_parse(request.query_params.get("page_size"))
        raw_cursor = request.query_params.get("cursor", "")
        cursor = cursor_decode(raw_cursor) if raw_cursor else None
        page = feed_page(
            self.feed,
            request,
            filters,
            cursor=cursor,
            size=size,
            horizon=sync_horizon(),
            unmasked=api_unmasked(request),
        )
        if page.last_key is not None:
            resume = cursor_encode(*page.last_key)
        elif raw_cursor:
            resume = raw_cursor
        else:
            # Nothing served yet: resume from the start, or from `updated_since` (rank -1 = before any row).
            resume = cursor_encode(filters.updated_since or _EPOCH, -1, 0)
        next_url = (
            replace_query_param(request.build_absolute_uri(), "cursor", resume) if page.has_more else None
        )
        self.record_count = len(page.items)
        self.fields_returned = list(self.feed.fields)
        return Response(
            {"next": next_url, "cursor": resume, "has_more": page.has_more, "results": page.items}
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="employments_list",
        summary="就业记录增量同步 / Employments feed",
        description=schema.FEED_DESCRIPTION,
        parameters=schema.FILTER_PARAMETERS + schema.PAGE_PARAMETERS,
        responses={
            200: OpenApiResponse(
                schema.EmploymentPageSerializer,
                description=schema.FEED_RESPONSE_DESCRIPTION,
                examples=[schema.EMPLOYMENT_PAGE_EXAMPLE],
            ),
            **error_responses(400, 401, 403, 429),
        },
        tags=["ledger"],
    )
)
class EmploymentFeedView(FeedView):
    feed = EMPLOYMENTS
    log_endpoint = "api/v1/employments/"


@extend_schema_view(
    get=extend_schema(
        operation_id="workers_list",
        summary="农民工增量同步 / Workers feed",
        description=schema.FEED_DESCRIPTION,
        parameters=schema.FILTER_PARAMETERS + schema.PAGE_PARAMETERS,
        responses={
            200: OpenApiResponse(
                schema.WorkerPageSerializer,
                description=schema.FEED_RESPONSE_DESCRIPTION,
                examples=[schema.WORKER_PAGE_EXAMPLE],
            ),
            **error_responses(400, 401, 403, 429),
        },
        tags=["ledger"],
    )
)
class WorkerFeedView(FeedView):
    feed = WORKERS
    log_endpoint = "api/v1/workers/"


class _StreamRenderer(BaseRenderer):
    """Lets `Accept: text/csv` (or NDJSON) through content negotiation; the body is a stream, errors JSON."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CsvRenderer(_StreamRenderer):
    media_type = "text/csv"
    format = "csv"


class NdjsonRenderer(_StreamRenderer):
    media_type = "application/x-ndjson"
    format = "ndjson"


class ExportView(ApiEndpoint, APIView):
    allowed_params = FILTER_PARAMS
    fmt = "ndjson"
    content_type = "application/x-ndjson; charset=utf-8"

    def get(self, request):
        filters = filters_parse(request.query_params)
        horizon = sync_horizon()
        stream = ExportStream(
            request, filters, api_scope(request), unmasked=api_unmasked(request), fmt=self.fmt
        )
        response = StreamingHttpResponse(self._stream(stream), content_type=self.content_type)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="employments-{stamp}.{self.fmt}"'
        response["X-Sync-Updated-Since"] = iso(horizon)
        response["X-Content-Type-Options"] = "nosniff"
        self.streaming = True
        self.fields_returned = list(EMPLOYMENT_FIELDS)
        return response

    def _stream(self, stream: ExportStream):
        try:
            yield from stream
        finally:
            self.access_log_finish(stream.count)


@extend_schema_view(
    get=extend_schema(
        operation_id="employments_export_ndjson",
        summary="就业记录全量导出（NDJSON） / Employments export (NDJSON)",
        description=schema.NDJSON_DESCRIPTION,
        parameters=schema.EXPORT_PARAMETERS,
        responses={
            (200, "application/x-ndjson"): OpenApiResponse(
                schema.STREAM_RESPONSE,
                description="每行一条就业记录。 / One employment per line.",
                examples=[schema.NDJSON_EXAMPLE],
            ),
            **error_responses(400, 401, 403, 429),
        },
        tags=["ledger"],
    )
)
class EmploymentNdjsonExportView(ExportView):
    renderer_classes = [JSONRenderer, NdjsonRenderer]
    fmt = "ndjson"
    content_type = "application/x-ndjson; charset=utf-8"
    log_endpoint = "api/v1/employments/export.ndjson"


@extend_schema_view(
    get=extend_schema(
        operation_id="employments_export_csv",
        summary="就业记录全量导出（CSV） / Employments export (CSV)",
        description=schema.CSV_DESCRIPTION,
        parameters=schema.EXPORT_PARAMETERS,
        responses={
            (200, "text/csv"): OpenApiResponse(
                schema.STREAM_RESPONSE,
                description="UTF-8 带 BOM 的 CSV。 / CSV, UTF-8 with BOM.",
                examples=[schema.CSV_EXAMPLE],
            ),
            **error_responses(400, 401, 403, 429),
        },
        tags=["ledger"],
    )
)
class EmploymentCsvExportView(ExportView):
    renderer_classes = [JSONRenderer, CsvRenderer]
    fmt = "csv"
    content_type = "text/csv; charset=utf-8"
    log_endpoint = "api/v1/employments/export.csv"
