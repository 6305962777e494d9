from django.urls import path

from . import views

app_name = "tripday"
urlpatterns = [
    path("<int:trip_pk>/", views.index, name="index"),
    path("<int:trip_pk>/p/<int:participant_pk>/", views.child, name="child"),
]
