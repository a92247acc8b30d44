"""What every subsidy page shares: the guard, the scoped application lookup, query parsing, .xlsx responses.

`_guard` turns away users who may not use subsidies at all; `_application` looks an application up through
`selectors.applications_for(user)`, so another township's application is a 404 for a clerk, whatever the
URL; `_query` rebuilds a page's own filters for pager and export links and never echoes parameters it does
not know; `_xlsx` and `_note` are the response and the "exported by … at …" line of every spreadsheet.
"""

from urllib.parse import quote, urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..models import ApplicationEvent

Action = ApplicationEvent.Action
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 30
NO_SUBSIDIES = _("您的账号没有办理补贴的权限。")


def _deny(request, message, status=403):
    return render(request, "subsidies/notice_message.html", {"message": message}, status=status)


def _guard(request):
    if not selectors.can_use_subsidies(request.user):
        raise PermissionDenied(NO_SUBSIDIES)


def _application(request, pk: int):
    application = selectors.applications_for(request.user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


def _year(value) -> int | None:
    return int(value) if value and str(value).isdigit() and 2000 < int(value) < 2100 else None


def _query(request, *keys: str) -> str:
    """The page's own filters, for pager and export links (never echoes parameters it does not know)."""
    return urlencode({k: request.GET[k] for k in keys if request.GET.get(k)})


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


def _note(request) -> str:
    return _("导出人：{user} · 导出时间：{at}").format(
        user=request.user.username, at=timezone.localtime().strftime("%Y-%m-%d %H:%M")
    )
