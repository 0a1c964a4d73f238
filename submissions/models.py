"""The practical assignment set to every group of an edition, the groups' drafts, files and submissions."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cohorts.models import Edition
from groups.models import Group
from malisig.i18n import Localised
from malisig.uploads import RandomName


class Assignment(models.Model):
    edition = models.OneToOneField(Edition, on_delete=models.CASCADE, related_name="assignment")
    title_fr = models.CharField(_("title (French)"), max_length=250)
    title_en = models.CharField(_("title (English)"), max_length=250, blank=True)
    statement_fr = models.TextField(_("problem statement (French)"))
    statement_en = models.TextField(_("problem statement (English)"), blank=True)

    tr = Localised()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return self.title_fr


class Question(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("order"))
    text_fr = models.TextField(_("question (French)"))
    text_en = models.TextField(_("question (English)"), blank=True)
    guidance_fr = models.TextField(_("guidance (French)"), blank=True)
    guidance_en = models.TextField(_("guidance (English)"), blank=True)

    tr = Localised()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["assignment", "position"], name="question_position_unique")]

    def __str__(self) -> str:
        return self.text_fr[:80]


class AssignmentSettings(models.Model):
    """When and how groups hand in: opening, deadline and late policy, deliverables, the statement to accept."""

    class LatePolicy(models.TextChoices):
        FLAGGED = "flagged", _("Late submissions allowed until the cut-off, and flagged")
        HARD_STOP = "hard", _("Hard stop at the deadline")

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="settings")
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    time_zone = models.CharField(_("time zone of the deadline"), max_length=64, default="Africa/Bamako")
    late_policy = models.CharField(_("late policy"), max_length=10, choices=LatePolicy, default=LatePolicy.FLAGGED)
    late_cutoff = models.DateTimeField(
        _("late cut-off"), null=True, blank=True, help_text=_("With late submissions allowed: nothing after this.")
    )
    presentation_required = models.BooleanField(_("presentation required (PPTX or PDF)"), default=True)
    attachments_allowed = models.BooleanField(_("optional attachments allowed"), default=True)
    declaration_fr = models.TextField(
        _("statement to accept (French)"),
        default="Nous déclarons que ce document est notre propre travail et acceptons qu'il soit publié.",
    )
    declaration_en = models.TextField(
        _("statement to accept (English)"),
        default="We declare this document is our own work and agree to its publication.",
        blank=True,
    )
    members_confirm = models.BooleanField(_("every member confirms before the coordinator submits"), default=False)

    tr = Localised()

    class Meta:
        verbose_name = _("submission settings")
        verbose_name_plural = _("submission settings")

    def __str__(self) -> str:
        return str(self.assignment)


class SectionTemplate(models.Model):
    """One part of the document every group writes: introduction, one per question, conclusion (the seed's shape)."""

    class Kind(models.TextChoices):
        INTRODUCTION = "introduction", _("Introduction")
        QUESTION = "question", _("Question")
        CONCLUSION = "conclusion", _("Conclusion")
        OTHER = "other", _("Other")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="section_templates")
    position = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=15, choices=Kind, default=Kind.OTHER)
    question = models.ForeignKey(
        Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("question")
    )
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    word_limit = models.PositiveIntegerField(_("word limit"), null=True, blank=True)
    required = models.BooleanField(_("required"), default=True)

    tr = Localised()

    class Meta:
        verbose_name = _("document section")
        verbose_name_plural = _("document sections")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "position"], name="section_template_position_unique")
        ]

    def __str__(self) -> str:
        return self.title_fr


class Extension(models.Model):
    """More time: for one group, or for the whole edition at once (group empty), e.g. when a shutdown is declared."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="extensions", verbose_name=_("group")
    )
    deadline = models.DateTimeField(_("new deadline"))
    reason = models.CharField(_("reason"), max_length=300)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.group or self.assignment}: {self.deadline}"


class Section(models.Model):
    """A group's draft of one part of the document. `version` counts saves: a save based on an older one conflicts."""

    class Status(models.TextChoices):
        TODO = "todo", pgettext_lazy("section status", "To do")
        DRAFTING = "drafting", pgettext_lazy("section status", "Drafting")
        READY = "ready", pgettext_lazy("section status", "Ready")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="sections")
    template = models.ForeignKey(SectionTemplate, on_delete=models.CASCADE, related_name="sections")
    html = models.TextField(blank=True)
    words = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.TODO)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["template__position", "pk"]
        constraints = [models.UniqueConstraint(fields=["group", "template"], name="one_section_per_group_and_part")]

    def __str__(self) -> str:
        return f"{self.group} · {self.template}"


class SectionVersion(models.Model):
    """Every save of a section, never changed afterwards: the history, and what a restore copies."""

    class Origin(models.TextChoices):
        TYPED = "typed", _("Typed")
        OFFLINE = "offline", _("Saved on the device, sent later")
        OFFLINE_PACK = "pack", _("Offline pack (DOCX)")
        RESTORED = "restored", _("Restored")
        MERGED = "merged", _("Merged after a conflict")

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    html = models.TextField(blank=True)
    words = models.PositiveIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    origin = models.CharField(max_length=10, choices=Origin, default=Origin.TYPED)
    restored_from = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("section version")
        verbose_name_plural = _("section versions")
        ordering = ["section", "-number"]
        constraints = [models.UniqueConstraint(fields=["section", "number"], name="section_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.section} v{self.number}"


class SectionComment(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class GroupFile(models.Model):
    """A file a group uploaded (presentation, attachment, image in a section), checked by content on the way in."""

    class Role(models.TextChoices):
        PRESENTATION = "presentation", _("Presentation")
        ATTACHMENT = "attachment", _("Attachment")
        IMAGE = "image", _("Image in a section")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="files")
    role = models.CharField(_("kind"), max_length=15, choices=Role)
    file = models.FileField(upload_to=RandomName("private/groups"), max_length=200)
    display_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    # A new presentation replaces the previous one, which stays stored for the submissions that include it.
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("group file")
        verbose_name_plural = _("group files")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["group", "role"])]

    def __str__(self) -> str:
        return self.display_name


class Submission(models.Model):
    """A frozen snapshot of a group's document and files, handed in by its coordinator. Every submission is kept."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("submission state", "Submitted")
        WITHDRAWN = "withdrawn", pgettext_lazy("submission state", "Withdrawn")
        RESUBMITTED = "resubmitted", pgettext_lazy("submission state", "Resubmitted")
        IN_REVIEW = "in_review", pgettext_lazy("submission state", "In review")
        CHANGES_REQUESTED = "changes_requested", pgettext_lazy("submission state", "Changes requested")
        ACCEPTED = "accepted", pgettext_lazy("submission state", "Accepted")
        NOT_ACCEPTED = "not_accepted", pgettext_lazy("submission state", "Not accepted")
        DEFENDED = "defended", pgettext_lazy("submission state", "Defended")
        PUBLISHED = "published", pgettext_lazy("submission state", "Published")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="submissions")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True, help_text=_("The group's deadline when it submitted."))
    is_late = models.BooleanField(_("late"), default=False)
    declaration = models.TextField(_("statement accepted"))

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["group", "-number"]
        constraints = [models.UniqueConstraint(fields=["group", "number"], name="submission_number_unique")]

    def __str__(self) -> str:
        return f"{self.group} #{self.number}"


class SubmittedSection(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="sections")
    template = models.ForeignKey(SectionTemplate, on_delete=models.SET_NULL, null=True, related_name="+")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    html = models.TextField(blank=True)
    words = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["submission", "position"]

    def __str__(self) -> str:
        return self.title


class SubmittedFile(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    group_file = models.ForeignKey(GroupFile, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "group_file"], name="submitted_file_once_per_submission")
        ]

    def __str__(self) -> str:
        return str(self.group_file)


class MemberConfirmation(models.Model):
    """A member's "I have read the document and agree to submit it" (when the edition asks for it)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="confirmations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="one_confirmation_per_member")]

    def __str__(self) -> str:
        return f"{self.user} · {self.group}"


class SubmissionChange(models.Model):
    """One row per change of a submission's state (and one for its creation, `old` empty): the audit trail."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="changes")
    old = models.CharField(max_length=20, blank=True)
    new = models.CharField(max_length=20)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("submission state change")
        verbose_name_plural = _("submission state changes")
        ordering = ["submission", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.submission}: {self.old or '-'} → {self.new}"


class ExportFile(models.Model):
    """A generated export of a group's document (DOCX, PDF, presentation starter), cached per version and language."""

    class Kind(models.TextChoices):
        DOCX = "docx", "DOCX"
        PDF = "pdf", "PDF"
        PPTX = "pptx", "PPTX"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="exports")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    # A hash of the group's section ids and versions and of the language: an edit gives a new key.
    version_key = models.CharField(max_length=64)
    file = models.FileField(upload_to=RandomName("private/exports"), max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        constraints = [
            models.UniqueConstraint(fields=["group", "kind", "version_key"], name="unique_export_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.kind} {self.version_key[:8]}"


# ---------------------------------------------------------------------------
# Review: the jury's settings, rubric, conflicts, assignments, reviews, decisions, the defense and publication.


class ReviewSettings(models.Model):
    """How the jury works in one edition (organisers set it): rubric aggregation, load, blindness, visibility."""

    class Aggregation(models.TextChoices):
        MEAN = "mean", _("Mean")
        MEDIAN = "median", _("Median")

    class Visibility(models.TextChoices):
        ALWAYS = "always", _("Always")
        AFTER_OWN = "after_own", _("After submitting their own review")
        NEVER = "never", _("Never")

    edition = models.OneToOneField(Edition, on_delete=models.CASCADE, related_name="review_settings")
    aggregation = models.CharField(_("aggregation of the jurors' scores"), max_length=10, choices=Aggregation,
                                   default=Aggregation.MEAN)  # fmt: skip
    reviewers_per_submission = models.PositiveSmallIntegerField(
        _("reviewers per submission"), default=3, help_text=_("0: every juror reviews every submission.")
    )
    max_per_juror = models.PositiveSmallIntegerField(
        _("most submissions per juror"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    blind = models.BooleanField(
        _("blind review"), default=False,
        help_text=_("Jurors see neither the members' names nor the group's name; exported files are scrubbed too."),
    )  # fmt: skip
    reviews_visible = models.CharField(_("jurors see each other's reviews"), max_length=10, choices=Visibility,
                                       default=Visibility.AFTER_OWN)  # fmt: skip
    review_deadline = models.DateTimeField(_("review deadline"), null=True, blank=True)
    document_weight = models.PositiveSmallIntegerField(_("weight of the document in the final score (%)"), default=70)
    defense_minutes = models.PositiveSmallIntegerField(_("minutes per group at the defense"), default=10)
    round_closed_at = models.DateTimeField(_("review round closed at"), null=True, blank=True)
    # The defense is scored after the document round has closed: it has its own closing.
    defense_closed_at = models.DateTimeField(_("defense scoring closed at"), null=True, blank=True)
    scores_released_at = models.DateTimeField(_("scores and feedback released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")

    def __str__(self) -> str:
        return str(self.edition)

    @property
    def defense_weight(self) -> int:
        return 100 - self.document_weight


class Criterion(models.Model):
    """One line of a rubric (the document's or the defense's), scored from scale_min to scale_max."""

    class Rubric(models.TextChoices):
        DOCUMENT = "document", _("Document")
        DEFENSE = "defense", _("Public defense")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="criteria")
    rubric = models.CharField(_("rubric"), max_length=10, choices=Rubric, default=Rubric.DOCUMENT)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name_fr = models.CharField(_("name (French)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    scale_min = models.PositiveSmallIntegerField(_("lowest score"), default=0)
    scale_max = models.PositiveSmallIntegerField(_("highest score"), default=5)
    weight = models.DecimalField(_("weight"), max_digits=4, decimal_places=2, default=1)
    informational = models.BooleanField(
        _("informational"), default=False, help_text=_("Scored and shown, but left out of the total.")
    )

    tr = Localised()

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["edition", "rubric", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(scale_max__gt=models.F("scale_min")), name="criterion_scale"),
        ]

    def __str__(self) -> str:
        return self.name_fr


class ConflictOfInterest(models.Model):
    """A juror who should not judge a group: declared by the juror, or detected (same organisation or email
    domain as a member) for the chair to confirm or dismiss. Declared, detected-not-yet-dismissed and confirmed
    conflicts all keep the juror away from the group (BLOCKING)."""

    class Kind(models.TextChoices):
        INSTITUTIONAL = "institutional", _("Institutional")
        PERSONAL = "personal", _("Personal")
        COLLABORATOR = "collaborator", _("Collaborator")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DECLARED = "declared", pgettext_lazy("conflict status", "Declared")
        SUGGESTED = "suggested", pgettext_lazy("conflict status", "Detected, to confirm")
        CONFIRMED = "confirmed", pgettext_lazy("conflict status", "Confirmed")
        DISMISSED = "dismissed", pgettext_lazy("conflict status", "Dismissed")

    BLOCKING = (Status.DECLARED, Status.SUGGESTED, Status.CONFIRMED)

    juror = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField(_("kind"), max_length=15, choices=Kind)
    status = models.CharField(_("status"), max_length=10, choices=Status)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [models.UniqueConstraint(fields=["juror", "group"], name="one_conflict_per_juror_and_group")]

    def __str__(self) -> str:
        return f"{self.juror} · {self.group} ({self.status})"

    @property
    def is_blocking(self) -> bool:
        return self.status in self.BLOCKING


class ReviewAssignment(models.Model):
    """A juror assigned to a group's document: they review each of its submissions (a resubmission included)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="review_assignments")
    juror = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")  # fmt: skip
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        constraints = [models.UniqueConstraint(fields=["group", "juror"], name="one_assignment_per_juror_and_group")]

    def __str__(self) -> str:
        return f"{self.juror} → {self.group}"


class Review(models.Model):
    """A juror's review of one submission: a score and comment per criterion, a message to the group, a private
    note for the jury. A draft until submitted; editable until the chair closes the round."""

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("review state", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("review state", "Submitted")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    juror = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.DRAFT)
    message_to_group = models.TextField(_("message to the group"), blank=True)
    private_note = models.TextField(_("private note for the jury"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [models.UniqueConstraint(fields=["submission", "juror"], name="one_review_per_juror")]

    def __str__(self) -> str:
        return f"{self.juror} · {self.submission}"


class Score(models.Model):
    """One criterion's score in a review (document rubric)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="one_score_per_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class JuryMessage(models.Model):
    """The jury's discussion of one submission (never shown to the group)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="jury_messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(_("message"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submission", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author} · {self.submission}"


class Decision(models.Model):
    """The chair's decision on a submission, staged (pending) then released with the others: only then does the
    submission change state and the group see the consolidated feedback."""

    class Outcome(models.TextChoices):
        CHANGES_REQUESTED = "changes_requested", _("Request changes")
        ACCEPTED = "accepted", _("Accept")
        NOT_ACCEPTED = "not_accepted", _("Do not accept")

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(_("decision"), max_length=20, choices=Outcome)
    message = models.TextField(_("message to the group"), blank=True)
    # {criterion id (str): the chair's consolidated comment}
    criteria_feedback = models.JSONField(default=dict, blank=True)
    revision_deadline = models.DateTimeField(_("deadline for the revised document"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")  # fmt: skip
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.submission}: {self.outcome}"

    @property
    def is_pending(self) -> bool:
        return self.released_at is None


class DefenseSlot(models.Model):
    """A group's turn at the public defense: the running order, and when it started and ended (the timer)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="defense_slots")
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="defense_slot")
    position = models.PositiveSmallIntegerField(_("position"))
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("defense slot")
        verbose_name_plural = _("defense slots")
        ordering = ["edition", "position"]

    def __str__(self) -> str:
        return f"{self.position}. {self.group}"


class DefenseScore(models.Model):
    """A juror's score of one defense criterion for one group (the defense rubric), written from a phone."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="defense_scores")
    juror = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="defense_scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "juror", "criterion"], name="one_defense_score_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.juror} · {self.group} · {self.criterion}: {self.value}"


class NameConsent(models.Model):
    """A member's choice to have their name printed with the group's published document (no row: not printed)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="name_consents")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    publish_name = models.BooleanField(_("print my name with the published document"), default=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="one_name_consent_per_member")]

    def __str__(self) -> str:
        return f"{self.user} · {self.group}: {self.publish_name}"
