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
from malisig.models import FoldedField, FoldingQuerySet, with_folds
from malisig.uploads import RandomName, validate_image


class School(models.Model):
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30)
    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.FileField(
        _("logo"), upload_to=RandomName("logos"), blank=True, validators=[validate_image], max_length=200
    )
    languages = models.CharField(
        _("languages"), max_length=50, default="fr,en", help_text=_("Comma-separated language codes, e.g. fr,en")
    )

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["acronym"]

    def __str__(self) -> str:
        return self.acronym


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
    concept_note = models.TextField(_("concept note"), blank=True, help_text=_("Rich text, sanitised on save."))
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    pass_mark = models.DecimalField(
        _("pass mark"),
        max_digits=7,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Final grade of the online course needed to be admitted; empty for none."),
    )
    completion_required = models.BooleanField(
        _("course completion required"),
        default=False,
        help_text=_("Admit only people with a completion date or a completed flag."),
    )
    import_mapping = models.JSONField(_("remembered column mapping"), default=dict, blank=True, editable=False)

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


class Sponsor(models.Model):
    class Kind(models.TextChoices):
        SPONSOR = "sponsor", _("Sponsor")
        PARTNER = "partner", _("Partner")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="sponsors")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.SPONSOR)
    name = models.CharField(_("name"), max_length=200)
    logo = models.FileField(
        _("logo"), upload_to=RandomName("logos"), blank=True, validators=[validate_image], max_length=200
    )
    link = models.URLField(_("link"), blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("sponsor or partner")
        verbose_name_plural = _("sponsors and partners")
        ordering = ["kind", "position", "name"]

    def __str__(self) -> str:
        return self.name


class MasterclassMaterial(models.Model):
    """A file or a link shared for a masterclass (slides, recording, reading)."""

    masterclass = models.ForeignKey(Masterclass, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=RandomName("materials"), blank=True, max_length=200)
    link = models.URLField(_("link"), blank=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        constraints = [
            models.CheckConstraint(condition=~models.Q(file="") | ~models.Q(link=""), name="material_has_file_or_link")
        ]

    def __str__(self) -> str:
        return self.title


class Profile(models.Model):
    """What organisers know of a person, across editions (one account, many editions)."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("Woman")
        MALE = "male", _("Man")
        OTHER = "other", _("Other")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    gender = models.CharField(_("gender"), max_length=10, choices=Gender, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    sector = models.CharField(_("sector of origin"), max_length=100, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # What the roster's search reads: never set by hand.
    folded_organisation = FoldedField(source="organisation")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = FoldingQuerySet.as_manager()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)

    def save(self, *args, **kwargs) -> None:
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = with_folds(type(self), kwargs["update_fields"])
        super().save(*args, **kwargs)


class Enrolment(models.Model):
    """A person in an edition's cohort. Only services.transition_enrolment() changes `status`."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", pgettext_lazy("enrolment status", "Not admitted")
        ADMITTED = "admitted", pgettext_lazy("enrolment status", "Admitted")
        INVITED = "invited", pgettext_lazy("enrolment status", "Invited")
        ACTIVE = "active", pgettext_lazy("enrolment status", "Active")
        WITHDRAWN = "withdrawn", pgettext_lazy("enrolment status", "Withdrawn")
        COMPLETED = "completed", pgettext_lazy("enrolment status", "Completed")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.CANDIDATE, editable=False)
    eligible = models.BooleanField(_("eligible"), default=False)
    eligibility_reason = models.CharField(_("why not eligible"), max_length=200, blank=True)
    grade = models.DecimalField(_("final grade"), max_digits=9, decimal_places=3, null=True, blank=True)
    completed_course = models.BooleanField(_("course completed"), null=True, blank=True)
    completion_date = models.DateField(_("completion date"), null=True, blank=True)
    external_id = models.CharField(_("ID in the online course"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["edition", "user"], name="one_enrolment_per_edition")]
        indexes = [
            models.Index(fields=["edition", "status"]),
            # The roster's best grades first, of one status (cohorts.services.roster.ROSTER_SORTS["-grade"]: no grade
            # last, written `grade IS NULL` since SQLite indexes cannot say NULLS LAST).
            models.Index(
                models.F("edition"),
                models.F("status"),
                models.ExpressionWrapper(models.Q(grade__isnull=True), output_field=models.BooleanField()),
                models.F("grade").desc(),
                name="enrolment_best_grades_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.edition}"


class EnrolmentChange(models.Model):
    """The audit trail of an enrolment: who changed its status, when, from what, and why."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="changes")
    old = models.CharField(max_length=10, choices=Enrolment.Status)
    new = models.CharField(max_length=10, choices=Enrolment.Status)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.enrolment}: {self.old} → {self.new}"


class ImportJob(models.Model):
    """One upload of the online course's results, through mapping, preview and apply."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", pgettext_lazy("import status", "Uploaded")
        PREVIEWING = "previewing", pgettext_lazy("import status", "Preview running")
        PREVIEWED = "previewed", pgettext_lazy("import status", "Previewed")
        APPLYING = "applying", pgettext_lazy("import status", "Import running")
        APPLIED = "applied", pgettext_lazy("import status", "Imported")
        FAILED = "failed", pgettext_lazy("import status", "Failed")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    file = models.FileField(upload_to=RandomName("private/imports"), max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.UPLOADED)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    counts = models.JSONField(default=dict)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name


class ImportRow(models.Model):
    """What the preview (or the import) decided for one line of the file."""

    class Outcome(models.TextChoices):
        CREATE = "create", _("will create")
        UPDATE = "update", _("will update")
        UNCHANGED = "unchanged", _("unchanged")
        NOT_ELIGIBLE = "not_eligible", _("not eligible")
        DUPLICATE = "duplicate", _("duplicate")
        REJECTED = "rejected", _("rejected")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    outcome = models.CharField(max_length=15, choices=Outcome)
    email = models.CharField(max_length=254, blank=True)
    name = models.CharField(max_length=310, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    raw = models.JSONField(default=list)

    class Meta:
        ordering = ["line"]
        constraints = [models.UniqueConstraint(fields=["job", "line"], name="import_row_line_unique")]

    def __str__(self) -> str:
        return f"{self.job} line {self.line}: {self.outcome}"


class AttendanceEvent(models.Model):
    """A workshop day or a masterclass where presence is taken."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="attendance_events")
    title = models.CharField(_("title"), max_length=250)
    date = models.DateField(_("date"))
    masterclass = models.OneToOneField(
        Masterclass, on_delete=models.CASCADE, null=True, blank=True, related_name="attendance_event"
    )

    class Meta:
        verbose_name = _("attendance session")
        verbose_name_plural = _("attendance sessions")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    event = models.ForeignKey(AttendanceEvent, on_delete=models.CASCADE, related_name="attendances")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendances")
    present = models.BooleanField(_("present"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "enrolment"], name="one_attendance_per_event")]

    def __str__(self) -> str:
        return f"{self.enrolment} · {self.event}"


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


# ---------------------------------------------------------------------------
# The mail outbox: templates, messages waiting for review, and each recipient's delivery.
# Who receives a message (segments) is decided by the top floor (cockpit); cohorts keeps the machinery.


class MessageTemplate(models.Model):
    """A reusable text for the organisers' messages, with placeholders (cohorts.services.outbox.PLACEHOLDERS)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="message_templates")
    name = models.CharField(_("name"), max_length=120)
    subject_fr = models.CharField(_("subject (French)"), max_length=250)
    subject_en = models.CharField(_("subject (English)"), max_length=250, blank=True)
    body_fr = models.TextField(_("text (French)"))
    body_en = models.TextField(_("text (English)"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["edition", "name"], name="message_template_name_unique")]

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    """One message to a segment of an edition. Only cohorts.services.outbox changes `state`.

    draft → queued (recipients resolved and rendered) → sending → sent, or draft → discarded. `key` names an automatic
    message (a reminder) so that it is created at most once.
    """

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("message state", "Draft")
        QUEUED = "queued", pgettext_lazy("message state", "Queued")
        SENDING = "sending", pgettext_lazy("message state", "Sending")
        SENT = "sent", pgettext_lazy("message state", "Sent")
        DISCARDED = "discarded", pgettext_lazy("message state", "Discarded")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="messages")
    template = models.ForeignKey(
        MessageTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    subject_fr = models.CharField(_("subject (French)"), max_length=250)
    subject_en = models.CharField(_("subject (English)"), max_length=250, blank=True)
    body_fr = models.TextField(_("text (French)"))
    body_en = models.TextField(_("text (English)"), blank=True)
    segment = models.JSONField(_("recipients (segment)"), default=dict, blank=True)
    segment_label = models.CharField(_("recipients"), max_length=250, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.DRAFT, editable=False)
    key = models.CharField(max_length=200, unique=True, null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    queued_at = models.DateTimeField(_("sent on"), null=True, blank=True)
    sent_at = models.DateTimeField(_("delivered on"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["edition", "state", "-created_at"])]

    def __str__(self) -> str:
        return self.subject_fr

    @property
    def is_automatic(self) -> bool:
        return bool(self.key)


class MessageRecipient(models.Model):
    """One person's copy of a message, rendered in their language when the message was queued.

    queued → sending (claimed by a worker) → sent, or failed (a refused address, too many attempts, or a send
    interrupted by a dead worker: never sent again automatically, so that nobody gets two copies).
    """

    class State(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("delivery state", "Queued")
        SENDING = "sending", pgettext_lazy("delivery state", "Sending")
        SENT = "sent", pgettext_lazy("delivery state", "Sent")
        FAILED = "failed", pgettext_lazy("delivery state", "Failed")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(_("email address"))
    name = models.CharField(_("name"), max_length=310, blank=True)
    language = models.CharField(_("language"), max_length=8, default=settings.LANGUAGE_CODE)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.QUEUED, editable=False)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message recipient")
        verbose_name_plural = _("message recipients")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint("message", Lower("email"), name="message_recipient_email_unique"),
        ]
        indexes = [
            models.Index(fields=["message", "state"]),
            models.Index(fields=["state", "claimed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.email} · {self.message}"
