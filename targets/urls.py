from django.urls import path

from . import views

app_name = "targets"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/township/<str:code>/", views.township_dashboard, name="township"),
    path("dashboard/industry/<str:code>/", views.industry_dashboard, name="industry"),
    path("dashboard/people/", views.people, name="people"),
    path("dashboard/briefing.xlsx", views.briefing, name="briefing"),
    path("audit/", views.audit_log, name="audit"),
]
