from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("<str:code>/", views.quarter_page, name="quarter"),
]
