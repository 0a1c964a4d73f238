"""The chair's forms: a decision with its consolidated feedback, the release of staged decisions. Validation only;
submissions.services.review stages and releases.

Date and time fields are read and shown in the current time zone: the views set it to the assignment's own zone.
"""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from cohorts.forms_editions import DATETIME_INPUT

from .models import Criterion, Decision

FEEDBACK_PREFIX = "feedback_"


class DecisionForm(forms.Form):
    """Outcome, one consolidated comment per document criterion, a message to the group and, when changes are
    requested, the deadline for the revised document (required once the group's own deadline has passed)."""

    outcome = forms.ChoiceField(label=_("Decision"), choices=Decision.Outcome.choices, widget=forms.RadioSelect)
    message = forms.CharField(
        label=_("Message to the group"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The group reads it once the decision is released."),
    )
    revision_deadline = forms.DateTimeField(
        label=_("Deadline for the revised document"),
        required=False,
        widget=DATETIME_INPUT,
        help_text=_("Only for a request for changes: the group may write and submit again until then."),
    )

    def __init__(self, *args, criteria: list[Criterion], deadline_passed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.deadline_passed = deadline_passed
        for criterion in criteria:
            self.fields[f"{FEEDBACK_PREFIX}{criterion.pk}"] = forms.CharField(
                label=criterion.tr.name,
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    @classmethod
    def initial_from(cls, decision: Decision | None) -> dict:
        if decision is None:
            return {}
        initial = {
            "outcome": decision.outcome,
            "message": decision.message,
            "revision_deadline": decision.revision_deadline,
        }
        for key, text in (decision.criteria_feedback or {}).items():
            initial[f"{FEEDBACK_PREFIX}{key}"] = text
        return initial

    def feedback_fields(self):
        return [self[f"{FEEDBACK_PREFIX}{criterion.pk}"] for criterion in self.criteria]

    def clean(self):
        cleaned = super().clean()
        asks_changes = cleaned.get("outcome") == Decision.Outcome.CHANGES_REQUESTED
        if asks_changes and self.deadline_passed and not cleaned.get("revision_deadline"):
            self.add_error(
                "revision_deadline",
                _("The group's deadline has passed: give a deadline for the revised document."),
            )
        return cleaned

    @property
    def criteria_feedback(self) -> dict[str, str]:
        return {
            str(criterion.pk): self.cleaned_data[f"{FEEDBACK_PREFIX}{criterion.pk}"].strip()
            for criterion in self.criteria
            if self.cleaned_data.get(f"{FEEDBACK_PREFIX}{criterion.pk}", "").strip()
        }


class ReleaseForm(forms.Form):
    """Release the decisions ticked (or every pending one)."""

    decisions = forms.TypedMultipleChoiceField(coerce=int, required=False)
    release_all = forms.BooleanField(required=False)

    def __init__(self, *args, pending_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decisions"].choices = [(pk, pk) for pk in pending_ids]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("release_all") and not cleaned.get("decisions"):
            raise forms.ValidationError(_("Tick the decisions to release, or release them all."))
        return cleaned

    @property
    def decision_ids(self) -> list[int] | None:
        return None if self.cleaned_data["release_all"] else self.cleaned_data["decisions"]
