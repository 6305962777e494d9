from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The home page of each role: the top floor, it reads every app below (DESIGN.md §3)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
