from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "retention"

    def ready(self):
        from trips import panels

        from . import signals  # noqa: F401  (connects the cancellation hook)

        panels.register_trip_panel("retention/_trip_panel.html")

        from schools.navigation import register_home_link, register_nav_link

        wide = {"admin", "nurse", "board"}  # "board": a board admin (schools.access.BOARD_ROLE)
        register_nav_link("retention:dashboard", _("保管状況と削除"), roles=wide, order=30)
        register_home_link("retention:dashboard", _("保管状況と削除"), roles=wide, order=30)
        register_home_link("retention:paper_copies", _("印刷物の裁断確認"), order=40)
