"""Routes of the ledger feeds, included under /api/v1/ by `wanzhou_jobs.urls`."""

from django.urls import path

from . import views

app_name = "workers_api"

urlpatterns = [
    path("employments/", views.EmploymentFeedView.as_view(), name="employments"),
    path("employments/export.ndjson", views.EmploymentNdjsonExportView.as_view(), name="employments-ndjson"),
    path("employments/export.csv", views.EmploymentCsvExportView.as_view(), name="employments-csv"),
    path("workers/", views.WorkerFeedView.as_view(), name="workers"),
]
