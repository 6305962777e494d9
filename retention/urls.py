from django.urls import path

from . import views

app_name = "retention"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("status/", views.operator_status, name="status"),
    path("status.json", views.operator_status_json, name="status_json"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit.csv", views.audit_csv, name="audit_csv"),
    path("certificates/<int:pk>.pdf", views.certificate_pdf, name="certificate"),
    path("paper-copies/", views.paper_copies, name="paper_copies"),
    path("paper-copies/<int:pk>/shredded/", views.confirm_shredded, name="confirm_shredded"),
    path("trips/<int:trip_pk>/incidents/", views.incidents, name="incidents"),
]
