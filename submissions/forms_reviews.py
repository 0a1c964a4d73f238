"""Forms of the juror's review: a score and a comment per criterion, the message to the group, the private note;
and a message in the jury's discussion. Validation only: services.reviews.save_review decides what is possible."""

from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Criterion, Review
from .services.reviews import MAX_COMMENT, MAX_TEXT

DRAFT, SUBMIT = "draft", "submit"


def _plain(value: Decimal | None) -> Decimal | None:
    """4.00 shown as 4, 2.50 as 2.5 (the field keeps two decimals)."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def score_field(criterion: Criterion) -> str:
    return f"score_{criterion.pk}"


def comment_field(criterion: Criterion) -> str:
    return f"comment_{criterion.pk}"


class ReviewForm(forms.Form):
    """One score field (within the criterion's scale) and one comment per criterion, built from the rubric.
    `action` comes from the button: "draft" or "submit"; submitting needs every criterion that counts scored."""

    message_to_group = forms.CharField(
        label=_("Message to the group"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The group reads it once the chair releases the decision."),
    )
    private_note = forms.CharField(
        label=_("Private note for the jury"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the jury reads it; never the group."),
    )
    action = forms.ChoiceField(choices=[(DRAFT, _("Save draft")), (SUBMIT, _("Submit review"))], required=False)

    def __init__(self, *args, criteria: list[Criterion], review: Review | None = None, **kwargs):
        if review is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(review)
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.already_submitted = review is not None and review.state == Review.State.SUBMITTED
        out_of_scale = _("The score must be between %(min)s and %(max)s.")
        for criterion in criteria:
            message = out_of_scale % {"min": criterion.scale_min, "max": criterion.scale_max}
            self.fields[score_field(criterion)] = forms.DecimalField(
                label=_("Score"),
                required=False,
                min_value=criterion.scale_min,
                max_value=criterion.scale_max,
                max_digits=5,
                decimal_places=2,
                error_messages={"min_value": message, "max_value": message, "invalid": message},
                help_text=_("From %(min)s to %(max)s.") % {"min": criterion.scale_min, "max": criterion.scale_max},
            )
            self.fields[comment_field(criterion)] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=MAX_COMMENT,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    @staticmethod
    def initial_from(review: Review) -> dict:
        initial = {"message_to_group": review.message_to_group, "private_note": review.private_note}
        for score in review.scores.all():
            initial[f"score_{score.criterion_id}"] = _plain(score.value)
            initial[f"comment_{score.criterion_id}"] = score.comment
        return initial

    @property
    def submitting(self) -> bool:
        return self.cleaned_data.get("action") == SUBMIT or self.already_submitted

    def clean(self):
        cleaned = super().clean()
        if self.submitting:
            for criterion in self.criteria:
                name = score_field(criterion)
                if not criterion.informational and name not in self.errors and cleaned.get(name) is None:
                    self.add_error(name, _("Score this criterion to submit the review."))
        return cleaned

    def scores(self) -> dict[int, tuple]:
        """{criterion id: (value or None, comment)} for save_review."""
        return {
            criterion.pk: (
                self.cleaned_data.get(score_field(criterion)),
                self.cleaned_data.get(comment_field(criterion)),
            )
            for criterion in self.criteria
        }

    def criterion_rows(self):
        """(criterion, score bound field, comment bound field) for the template's table."""
        return [(c, self[score_field(c)], self[comment_field(c)]) for c in self.criteria]


class JuryMessageForm(forms.Form):
    text = forms.CharField(
        label=_("Your message to the jury"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a message.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
