from django.urls import path

from . import views

app_name = "trips"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.trip_create, name="create"),
    path("<int:pk>/", views.trip_detail, name="detail"),
    path("<int:pk>/edit/", views.trip_edit, name="edit"),
    path("<int:pk>/lock/", views.trip_lock, name="lock"),
    path("<int:pk>/cancel/", views.trip_cancel, name="cancel"),
    path("<int:pk>/participants/add/", views.add_participants, name="add_participants"),
    path(
        "<int:pk>/participants/<int:participant_pk>/remove/",
        views.remove_participant,
        name="remove_participant",
    ),
    path("<int:pk>/groups/", views.groups, name="groups"),
]
