"""The monthly briefing (通报表) as .xlsx, for bureau staff only.

The workbook is built by `selectors_dashboard.briefing_workbook` from the same snapshot as the dashboard;
the file name is ASCII in `filename` and Chinese in `filename*` (RFC 6266). A wrong as-of date is a 400
page, not a file.
"""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from ..models import Role
from ..selectors_dashboard import briefing_filename, briefing_workbook, dashboard_progress
from ._common import _deny, _period, _role_or_response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def briefing(request):
    """The monthly briefing (通报表) as .xlsx, for bureau staff."""
    _role, denied = _role_or_response(request, (Role.BUREAU,))
    if denied:
        return denied
    year, as_of, _notice, error = _period(request)
    if error:
        return _deny(request, error, status=400)
    progress = dashboard_progress(year=year, as_of=as_of)
    response = HttpResponse(briefing_workbook(progress), content_type=XLSX)
    filename = briefing_filename(progress)
    response["Content-Disposition"] = (
        f'attachment; filename="briefing-{progress.year}-{progress.as_of.isoformat()}.xlsx"; '
        f"filename*=UTF-8''{quote(filename)}"
    )
    return response
