"""Stakeholder types, the groups that play them, who sits in which group, and when the groups are shown."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
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
    sectors = models.CharField(
        _("matching sectors of origin"),
        max_length=300,
        blank=True,
        help_text=_(
            "Comma-separated words: a participant whose sector of origin contains one of them comes from this "
            "role (used by the automatic assignment)."
        ),
    )
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
    min_size = models.PositiveSmallIntegerField(_("minimum size"), null=True, blank=True)
    max_size = models.PositiveSmallIntegerField(
        _("maximum size"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mentored_groups",
        verbose_name=_("mentor"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["stakeholder_type__position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "name"], name="group_name_unique_per_edition"),
            models.CheckConstraint(
                condition=Q(min_size__isnull=True) | Q(max_size__isnull=True) | Q(min_size__lte=F("max_size")),
                name="group_min_size_not_above_max",
            ),
        ]

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
    pinned = models.BooleanField(
        _("pinned"), default=False, help_text=_("The automatic assignment never moves a pinned person.")
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The group this person was last told about by email: a published group differing from it is news to send.
    notified_group = models.ForeignKey(Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.UniqueConstraint(fields=["edition", "user"], name="one_group_per_edition"),
            models.UniqueConstraint(
                fields=["group"], condition=Q(group_role="coordinator"), name="one_coordinator_per_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.group}"

    def clean(self) -> None:
        self.edition_id = self.group.edition_id


class Formation(models.Model):
    """An edition's group formation: whether participants may see their groups yet, and the last automatic run."""

    edition = models.OneToOneField(Edition, on_delete=models.CASCADE, related_name="group_formation")
    published_at = models.DateTimeField(_("groups published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("group formation")
        verbose_name_plural = _("group formations")

    def __str__(self) -> str:
        return str(self.edition)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class PlacementChange(models.Model):
    """The trail of group formation: who put whom where, when and how (by hand, automatically, removed)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    from_group = models.ForeignKey(Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    to_group = models.ForeignKey(Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["edition", "user"])]

    def __str__(self) -> str:
        return f"{self.user}: {self.from_group} → {self.to_group}"
