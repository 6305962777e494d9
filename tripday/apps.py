from django.apps import AppConfig


class TripdayConfig(AppConfig):
    """The accompanying teacher's phone screen on the trip itself (top floor: reads all)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "tripday"

    def ready(self) -> None:
        from trips.panels import register_trip_action

        register_trip_action("tripday/_trip_action.html")
