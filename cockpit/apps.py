from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    """The top floor: edition-wide features reading cohorts, groups and submissions (never imported by them)."""

    name = "cockpit"
    verbose_name = _("Organiser cockpit")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the signal receivers (audit log)
