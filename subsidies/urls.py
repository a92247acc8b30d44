from django.urls import path

from . import views

app_name = "subsidies"

urlpatterns = [
    path("", views.application_list, name="list"),
    path("new/", views.application_new, name="new"),
    path("new/<slug:code>/", views.application_create, name="create"),
    path("review/", views.review_queue, name="review"),
    path("notice/", views.notice, name="notice"),
    path("summary/", views.summary, name="summary"),
    path("exports/payments.xlsx", views.payment_export, name="payment_export"),
    path("exports/totals.xlsx", views.totals_export, name="totals_export"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/edit/", views.application_edit, name="edit"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/<slug:action>/", views.application_move, name="move"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
]
