"""The URLs of the progress and reference endpoints, mounted by `wanzhou_jobs/urls.py` under /api/v1/.

`include("targets.api")` reads `app_name` and `urlpatterns` from the package, which re-exports them from
here; the namespace stays `targets_api`.
"""

from django.urls import path

from .progress import ProgressView
from .reference import IndustryListView, TownshipListView

app_name = "targets_api"

urlpatterns = [
    path("progress/", ProgressView.as_view(), name="progress"),
    path("townships/", TownshipListView.as_view(), name="townships"),
    path("industries/", IndustryListView.as_view(), name="industries"),
]
