from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TripsConfig(AppConfig):
    name = "trips"

    def ready(self) -> None:
        from schools.navigation import register_home_link, register_nav_link

        register_nav_link("trips:dashboard", pgettext_lazy("navigation", "旅行"), order=10)
        register_home_link("trips:dashboard", _("旅行の一覧"), order=10)
