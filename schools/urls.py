from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("school/", views.choose_school, name="choose_school"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
