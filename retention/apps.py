from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"

    def ready(self):
        from trips import panels

        from . import signals  # noqa: F401  (connects the cancellation hook)

        panels.register_trip_panel("retention/_trip_panel.html")
