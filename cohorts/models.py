"""Schools, their editions, the edition's timeline, and who holds which role in it."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from malisig.i18n import Localised


class School(models.Model):
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30)
    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["acronym"]

    def __str__(self) -> str:
        return self.acronym


class EditionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Editions where the user holds a role; every edition for site staff."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        return self.filter(roles__user=user).distinct()


class Edition(models.Model):
    """One yearly run of a school: its cohort, timeline and jury."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("edition status", "Draft")
        OPEN = "open", pgettext_lazy("edition status", "Open")
        RUNNING = "running", pgettext_lazy("edition status", "Running")
        CLOSED = "closed", pgettext_lazy("edition status", "Closed")
        ARCHIVED = "archived", pgettext_lazy("edition status", "Archived")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="editions", verbose_name=_("school"))
    slug = models.SlugField(_("short name in addresses"), max_length=80, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("edition number"))
    title = models.CharField(_("title"), max_length=200)
    theme = models.CharField(_("theme"), max_length=300, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)

    objects = EditionQuerySet.as_manager()

    class Meta:
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        ordering = ["-year", "school__acronym"]
        constraints = [models.UniqueConstraint(fields=["school", "number"], name="edition_number_unique_per_school")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cohorts:edition_detail", kwargs={"slug": self.slug})


class Phase(models.Model):
    """A step of the edition's timeline; participants see the next one as "what's next"."""

    class Kind(models.TextChoices):
        ONLINE_COURSE = "online_course", _("Online course")
        WORKSHOP = "workshop", _("In-person workshop")
        MASTERCLASSES = "masterclasses", _("Masterclasses")
        GROUP_WORK = "group_work", _("Group work")
        DEFENSE = "defense", _("Closing ceremony and public defense")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("phase"), max_length=20, choices=Kind)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    link = models.URLField(_("link"), blank=True)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["starts_on", "ends_on"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "kind"], name="phase_kind_unique_per_edition"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="phase_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def is_past(self, today=None) -> bool:
        return self.ends_on < (today or timezone.localdate())

    def is_current(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.starts_on <= today <= self.ends_on


class Masterclass(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="masterclasses")
    title_fr = models.CharField(_("title (French)"), max_length=250)
    title_en = models.CharField(_("title (English)"), max_length=250, blank=True)
    speakers = models.CharField(_("speakers"), max_length=300)
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place or link"), max_length=250, blank=True)

    tr = Localised()

    class Meta:
        verbose_name = _("masterclass")
        verbose_name_plural = _("masterclasses")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return self.title_fr


class Role(models.TextChoices):
    ORGANISER = "organiser", _("Organiser")
    JUROR = "juror", _("Jury member")
    JURY_CHAIR = "jury_chair", _("Jury chair")
    PARTICIPANT = "participant", _("Participant")


class EditionRole(models.Model):
    """A role held by a person in one edition; one person may hold different roles in different editions."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="edition_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("role in an edition")
        verbose_name_plural = _("roles in editions")
        constraints = [models.UniqueConstraint(fields=["edition", "user", "role"], name="edition_role_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.edition}"


def new_token_nonce() -> str:
    return secrets.token_urlsafe(16)


class Invitation(models.Model):
    """An email invited to a role in an edition. The link is signed, expires, and works once."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("invitation status", "Pending")
        ACCEPTED = "accepted", pgettext_lazy("invitation status", "Accepted")
        EXPIRED = "expired", pgettext_lazy("invitation status", "Expired")
        REVOKED = "revoked", pgettext_lazy("invitation status", "Revoked")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    language = models.CharField(
        _("language of the email"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    token_nonce = models.CharField(max_length=40, default=new_token_nonce, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("email sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    renewal_requested_at = models.DateTimeField(_("new link requested at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per person and role: a second invite refreshes the first.
            models.UniqueConstraint(
                "edition",
                Lower("email"),
                "role",
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email_and_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} · {self.get_role_display()} · {self.edition}"

    @staticmethod
    def default_expiry():
        return timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return self.Status(self.status).label
