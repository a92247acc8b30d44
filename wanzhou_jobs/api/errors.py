"""Errors of the REST API (DESIGN.md §6): one JSON shape `{"message": …, "fields": {…}}`, Chinese
messages, never a traceback. `exception_handler` is DRF's `EXCEPTION_HANDLER`; it turns Django's
ValidationError, PermissionDenied and Http404 into that shape too, and logs what it cannot handle as a 500.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.response import Response

NOT_AUTHENTICATED = _("未提供身份认证信息：请在请求头中携带 Authorization: Token <令牌>。")
NO_API_ACCESS = _("您的账号没有使用数据接口的权限。")
PASSWORD_CHANGE_FIRST = _("请先在网页上修改初始密码，再使用数据接口。")
READ_ONLY = _("数据接口只读，不支持 {method} 请求。")
THROTTLED = _("请求过于频繁，请在 {wait} 秒后重试。")
NOT_FOUND = _("未找到请求的资源。")
INVALID_REQUEST = _("请求参数有误。")
SERVER_ERROR = _("服务器内部错误，请稍后重试；如持续出现请联系系统管理员。")


class ApiValidationError(exceptions.ValidationError):
    """A 400 with a chosen message and per-field messages."""

    def __init__(self, message, fields: dict | None = None):
        super().__init__({"__message__": [str(message)], **{k: [str(v)] for k, v in (fields or {}).items()}})


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, messages in _flatten(value).items():
                    out[f"{key}.{sub}"] = messages
            else:
                out[str(key)] = [str(v) for v in (value if isinstance(value, list) else [value])]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]} if detail else {}
    return {}


def exception_handler(exc, context):
    """The one DRF exception handler: `{"message": …, "fields": {…}}`, Chinese messages, no traceback."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or NO_API_ACCESS)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if exc.args else NOT_FOUND)
    from rest_framework.views import exception_handler as drf_exception_handler  # views imports this module

    response = drf_exception_handler(exc, context)
    if response is None:
        logging.getLogger("django.request").error(
            "Unhandled API error on %s", getattr(context.get("request"), "path", "?"), exc_info=exc
        )
        response = Response({"message": str(SERVER_ERROR), "fields": {}}, status=500)
        response.exception = True
        return response
    fields: dict[str, list[str]] = {}
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        own = fields.pop("__message__", None)
        if own:
            message = own[0]
        else:
            first = next(iter(fields.values()), [str(INVALID_REQUEST)])
            message = first[0] if len(fields) == 1 else f"{INVALID_REQUEST}{first[0]}"
    elif isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait) + 1 if exc.wait is not None else 60
        response["Retry-After"] = str(wait)
        message = THROTTLED.format(wait=wait)
    elif isinstance(exc, exceptions.MethodNotAllowed):
        method = context["request"].method if context.get("request") else ""
        message = READ_ONLY.format(method=method)
    elif isinstance(exc, exceptions.NotAuthenticated):
        message = str(NOT_AUTHENTICATED)
    elif isinstance(exc, exceptions.NotFound):
        detail = str(exc.detail)
        message = detail if detail != str(exceptions.NotFound.default_detail) else str(NOT_FOUND)
    else:
        message = str(exc.detail) if not isinstance(exc.detail, dict | list) else str(INVALID_REQUEST)
    response.data = {"message": str(message), "fields": fields}
    return response
