"""The API's documentation pages under the content security policy (issue 18, item 10).

The policy allows scripts from this site's files only (wanzhou_jobs.security): no inline code, no other
host, no blob: workers, and every page must work on an intranet with no way out (DESIGN.md §1). So:

- Swagger UI is drf-spectacular's split view: the page loads its start-up script from itself
  (`?script`), and the online validator badge (an image from validator.swagger.io) is switched off.
- Redoc gets its options as attributes of the <redoc> element instead of an inline script, no web fonts
  (the stock template asks fonts.googleapis.com), search off (its index runs in a blob: worker), and its
  bundle is served from `?bundle` with the "API docs by Redocly" logo, which the bundle fetches from
  cdn.redoc.ly, replaced by an empty image.
"""

from functools import lru_cache

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
EMPTY_IMAGE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"


class SwaggerView(SpectacularSwaggerSplitView):
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        ui_settings = spectacular_settings.SWAGGER_UI_SETTINGS
        if request.GET.get("script") is not None and isinstance(ui_settings, dict):
            # No validator badge: it is an image from validator.swagger.io.
            response.data["settings"] = self._dump({**ui_settings, "validatorUrl": None})
        return response


@lru_cache(maxsize=1)
def redoc_bundle() -> bytes:
    with open(finders.find(REDOC_BUNDLE), encoding="utf-8") as bundle:
        return bundle.read().replace(REDOC_LOGO, EMPTY_IMAGE).encode()


class RedocView(SpectacularRedocView):
    template_name = "api/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if request.GET.get("bundle") is not None:
            response = HttpResponse(redoc_bundle(), content_type="application/javascript; charset=utf-8")
            response["Cache-Control"] = "public, max-age=86400"
            return response
        return super().get(request, *args, **kwargs)
