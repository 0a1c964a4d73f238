from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MalisigConfig(AppConfig):
    name = "malisig"
    verbose_name = _("Accounts")
