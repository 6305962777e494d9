from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run` (top floor: it may use every app)."""

    name = "demo"
