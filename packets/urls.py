from django.urls import path

from . import views

app_name = "packets"
urlpatterns = [
    path("trip/<int:trip_pk>/build/", views.build, name="build"),
    path("<uuid:uuid>/progress/", views.progress, name="progress"),
    path("<uuid:uuid>/download/", views.download, name="download"),
    path("<uuid:uuid>/print/", views.register_print, name="print"),
    path("<uuid:uuid>/delete/", views.delete, name="delete"),
]
