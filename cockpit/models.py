"""Certificates and generated reports of an edition."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cohorts.models import Edition
from malisig.uploads import RandomName

# Unambiguous characters only: codes are read aloud and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_certificate_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


class CertificateRules(models.Model):
    """Who earns a certificate of participation in an edition."""

    edition = models.OneToOneField(Edition, on_delete=models.CASCADE, related_name="certificate_rules")
    course_completed = models.BooleanField(_("online course completed"), default=True)
    min_attendance = models.PositiveSmallIntegerField(
        _("minimum attendance (%)"), null=True, blank=True, help_text=_("Empty: attendance is not required.")
    )
    group_submitted = models.BooleanField(_("their group submitted its document"), default=True)
    signatory_name = models.CharField(_("signed by"), max_length=150, blank=True)
    signatory_title = models.CharField(_("signatory's title"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("certificate rules")
        verbose_name_plural = _("certificate rules")

    def __str__(self) -> str:
        return str(self.edition)


class Certificate(models.Model):
    class Kind(models.TextChoices):
        PARTICIPATION = "participation", _("Certificate of participation")
        CONTRIBUTION = "contribution", _("Certificate of contribution (jury)")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="certificates")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates")
    kind = models.CharField(_("kind"), max_length=15, choices=Kind, default=Kind.PARTICIPATION)
    code = models.CharField(_("verification code"), max_length=20, unique=True, default=new_certificate_code)
    # As printed: a later change of name does not change an issued certificate.
    full_name = models.CharField(_("name on the certificate"), max_length=310)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="fr")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file = models.FileField(upload_to=RandomName("private/certificates"), blank=True, max_length=200)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["edition", "full_name"]
        constraints = [
            # One valid certificate per person, kind and edition; a revoked one may be followed by a new one.
            models.UniqueConstraint(
                fields=["edition", "user", "kind"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_valid_certificate_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.full_name}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


class CertificateBatch(models.Model):
    """One bulk issue of certificates, run by Celery; its counts drive the progress bar."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("batch status", "Queued")
        RUNNING = "running", pgettext_lazy("batch status", "Running")
        DONE = "done", pgettext_lazy("batch status", "Done")
        FAILED = "failed", pgettext_lazy("batch status", "Failed")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="certificate_batches")
    kind = models.CharField(_("kind"), max_length=15, choices=Certificate.Kind)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.edition} · {self.kind} · {self.created_at:%Y-%m-%d %H:%M}"


class Report(models.Model):
    """A generated report file (proceedings, sponsor report), cached per content version and language."""

    class Kind(models.TextChoices):
        PROCEEDINGS = "proceedings", _("Proceedings")
        SPONSORS = "sponsors", _("Report for sponsors")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "DOCX"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("kind"), max_length=15, choices=Kind)
    format = models.CharField(_("format"), max_length=5, choices=Format)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="fr")
    version_key = models.CharField(max_length=64)
    file = models.FileField(upload_to=RandomName("private/reports"), blank=True, max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "kind", "format", "language", "version_key"], name="one_report_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.edition} · {self.get_kind_display()} ({self.format})"
