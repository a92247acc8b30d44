from django.urls import path

from . import views
from .selectors import GAPS

app_name = "monitoring"

urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/", views.report, name="report"),
    path("<int:pk>/status.xlsx", views.status_export, name="status_export"),
    # One pattern a drill-down, so every one is crawled and placed in the role × door table by name.
    *(path(f"<int:pk>/{gap.replace('_', '-')}/", views.gap, {"gap": gap}, name=f"gap_{gap}") for gap in GAPS),
]
