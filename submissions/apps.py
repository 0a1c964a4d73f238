from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    name = "submissions"
    verbose_name = _("Assignments and submissions")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the signal receivers
