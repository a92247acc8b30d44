from django.urls import path

from . import views

app_name = "workers"

urlpatterns = [
    path("returns/", views.return_list, name="return_list"),
    path("returns/upload/", views.return_upload, name="return_upload"),
    path("returns/template.xlsx", views.return_template, name="return_template"),
    path("returns/board/", views.returns_board, name="returns_board"),
    path("returns/<int:pk>/", views.return_detail, name="return_detail"),
    path("returns/<int:pk>/status.json", views.return_status, name="return_status"),
    path("returns/<int:pk>/confirm/", views.return_confirm, name="return_confirm"),
    path("returns/<int:pk>/rollback/", views.return_rollback, name="return_rollback"),
    path("returns/<int:pk>/discard/", views.return_discard, name="return_discard"),
    path("returns/<int:pk>/retry/", views.return_retry, name="return_retry"),
    path("returns/<int:pk>/columns/", views.return_columns, name="return_columns"),
    path("returns/<int:pk>/errors.xlsx", views.return_errors_xlsx, name="return_errors"),
    path("ledger/export.xlsx", views.ledger_export, name="ledger_export"),
]
