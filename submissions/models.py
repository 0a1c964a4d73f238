"""The practical assignment set to every group of an edition."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cohorts.models import Edition
from malisig.i18n import Localised


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
