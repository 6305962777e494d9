from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"

    def ready(self) -> None:
        from . import signals  # noqa: F401
