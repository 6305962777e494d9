from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"

    def ready(self) -> None:
        # The trip page (floor 1) shows our panel through its hook; trips never imports us.
        from trips import panels

        panels.register_trip_panel("documents/_trip_panel.html")
