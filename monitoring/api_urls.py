"""The assistance feeds of API v1 (issue 26, item 3), mounted by `wanzhou_jobs/urls.py` under /api/v1/."""

from django.urls import path

from .api import EmploymentStatusView, EnrolmentFeedView, HouseholdCoverageView, RoutineStatusView

app_name = "monitoring_api"

urlpatterns = [
    path("enrolments/", EnrolmentFeedView.as_view(), name="enrolments"),
    path("employment-status/", EmploymentStatusView.as_view(), name="employment_status"),
    path("household-coverage/", HouseholdCoverageView.as_view(), name="household_coverage"),
    path("routine-status/", RoutineStatusView.as_view(), name="routine_status"),
]
