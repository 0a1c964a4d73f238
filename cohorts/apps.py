from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CohortsConfig(AppConfig):
    name = "cohorts"
    verbose_name = _("Schools and editions")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the signal receivers
