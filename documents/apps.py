from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"

    def ready(self) -> None:
        # The trip page (floor 1) shows our panel through its hook; trips never imports us.
        from trips import panels

        from . import signals  # noqa: F401  (a removed participant's documents and files)

        panels.register_trip_panel("documents/_trip_panel.html")
