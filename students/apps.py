from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "students"

    def ready(self) -> None:
        from schools.navigation import register_home_link, register_nav_link

        register_nav_link("students:roster", _("名簿"), order=20)
        register_home_link("students:roster", _("名簿"), order=20)
