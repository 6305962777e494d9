from django.urls import path

from . import views

app_name = "students"
urlpatterns = [
    path("", views.roster, name="roster"),
    path("add/", views.student_create, name="create"),
    path("import/", views.roster_import, name="import"),
    path("<int:pk>/edit/", views.student_edit, name="edit"),
    path("<int:pk>/deactivate/", views.student_deactivate, name="deactivate"),
    path("<int:pk>/guardians/add/", views.guardian_add, name="guardian_add"),
    path(
        "<int:pk>/guardians/<int:guardian_pk>/remove/",
        views.guardian_remove,
        name="guardian_remove",
    ),
]
