from django.apps import AppConfig


class PacketsConfig(AppConfig):
    name = "packets"

    def ready(self) -> None:
        from trips.panels import register_trip_panel

        register_trip_panel("packets/_trip_panel.html")
