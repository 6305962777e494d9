from django.contrib import admin
from django.urls import include, path

handler403 = "schools.views.permission_denied"
handler404 = "schools.views.page_not_found"
handler500 = "schools.views.server_error"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("", include("dashboard.urls")),
    path("", include("schools.urls")),
    path("roster/", include("students.urls")),
    path("trips/", include("trips.urls")),
    path("", include("documents.urls")),
    path("packets/", include("packets.urls")),
    path("retention/", include("retention.urls")),
    path("tripday/", include("tripday.urls")),
]
