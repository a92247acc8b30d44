from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from . import apidocs, health, views

admin.site.site_header = _("万州区农民工就近就业目标管理系统")
admin.site.site_title = _("万州就业目标管理")
admin.site.index_title = _("数据录入与管理")

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico whatever the page links; the file is a static one.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico"), permanent=True), name="favicon"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("targets/", include("targets.urls")),
    path("ledger/", include("workers.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("assistance/", include("assistance.urls")),
    path("reporting/", include("reporting.urls")),
    path("monitoring/", include("monitoring.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    # REST API (DESIGN.md §6): the schema and its docs are public, the data needs a token or a staff session.
    path("api/v1/", include("workers.api.urls")),
    path("api/v1/", include("targets.api")),
    path("api/v1/", include("monitoring.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", apidocs.SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", apidocs.RedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
