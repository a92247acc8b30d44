from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("inbox/", views.inbox, name="inbox"),
    path("notice.docx", views.notice, name="notice"),
    path("<str:code>/", views.quarter_page, name="quarter"),
]
