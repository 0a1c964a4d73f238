from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = _("Stakeholder groups")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the signal receivers
