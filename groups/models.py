"""Stakeholder types and the groups that play them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cohorts.models import Edition
from malisig.i18n import Localised


class StakeholderType(models.Model):
    """A role to play (Government, Private Sector, Civil Society...), with a brief in French and English."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="stakeholder_types")
    code = models.SlugField(_("code"), max_length=40)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    brief_fr = models.TextField(_("brief (French)"), blank=True)
    brief_en = models.TextField(_("brief (English)"), blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    tr = Localised()

    class Meta:
        verbose_name = _("stakeholder type")
        verbose_name_plural = _("stakeholder types")
        ordering = ["position", "code"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="stakeholder_code_unique_per_edition")]

    def __str__(self) -> str:
        return self.tr.name


class Group(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="groups")
    stakeholder_type = models.ForeignKey(
        StakeholderType, on_delete=models.PROTECT, related_name="groups", verbose_name=_("stakeholder type")
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["stakeholder_type__position", "name"]
        constraints = [models.UniqueConstraint(fields=["edition", "name"], name="group_name_unique_per_edition")]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A participant in a group. `edition` is repeated so the database enforces one group per edition."""

    class GroupRole(models.TextChoices):
        MEMBER = "member", _("Member")
        COORDINATOR = "coordinator", _("Coordinator (rapporteur)")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships")
    group_role = models.CharField(_("role in the group"), max_length=20, choices=GroupRole, default=GroupRole.MEMBER)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [models.UniqueConstraint(fields=["edition", "user"], name="one_group_per_edition")]

    def __str__(self) -> str:
        return f"{self.user} · {self.group}"

    def clean(self) -> None:
        self.edition_id = self.group.edition_id
