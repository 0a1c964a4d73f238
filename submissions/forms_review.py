"""Forms of the jury's set-up: the review settings, the rubrics' criteria, a juror's declared conflict.
Validation only; submissions.services.jury saves (and checks the scored criteria again under its lock)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms import inlineformset_factory
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cohorts.forms_editions import DATETIME_INPUT, DecimalCommaField, rows_helper
from cohorts.models import Edition

from .forms_assignment import OrderedRowsFormSet
from .models import ConflictOfInterest, Criterion, ReviewSettings
from .services.jury import annotate_scored

MAX_CRITERIA = 20
MAX_POSITION = 99
SCALE_FIXED = _("Reviews already hold scores on this scale: changing it would make them meaningless.")


def _rows(*rows: tuple[tuple[str, str], ...]) -> FormHelper:
    """A helper laying fields out in rows of (field, column class); the page writes the <form> and buttons."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.render_hidden_fields = True
    helper.layout = Layout(*(Row(*(Column(name, css_class=css) for name, css in row)) for row in rows))
    return helper


def criterion_helper() -> FormHelper:
    """One criterion on three lines: order and names; descriptions; scale, weight, informational, delete."""
    return _rows(
        (("position", "col-4 col-md-2"), ("name_fr", "col-md-5"), ("name_en", "col-md-5")),
        (("description_fr", "col-md-6"), ("description_en", "col-md-6")),
        (("scale_min", "col-6 col-md-2"), ("scale_max", "col-6 col-md-2"), ("weight", "col-6 col-md-2"),
         ("informational", "col-md-4"), ("DELETE", "col-md-2")),
    )  # fmt: skip


def _limit(field: forms.IntegerField, low: int, high: int | None = None) -> None:
    field.validators.append(MinValueValidator(low))
    field.widget.attrs["min"] = low
    if high is not None:
        field.validators.append(MaxValueValidator(high))
        field.widget.attrs["max"] = high


class ReviewSettingsForm(forms.ModelForm):
    class Meta:
        model = ReviewSettings
        fields = [
            "aggregation", "reviewers_per_submission", "max_per_juror", "blind", "reviews_visible",
            "review_deadline", "document_weight", "defense_minutes",
        ]  # fmt: skip
        widgets = {
            "aggregation": forms.RadioSelect,
            "reviews_visible": forms.RadioSelect,
            "review_deadline": DATETIME_INPUT,
        }
        help_texts = {
            "document_weight": _("The defense counts for the rest (100 minus this number)."),
            "review_deadline": _("Shown to the jurors; late jurors can be reminded. Leave empty for none."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["reviewers_per_submission"], 0, 50)
        _limit(self.fields["max_per_juror"], 1, 500)
        _limit(self.fields["document_weight"], 0, 100)
        _limit(self.fields["defense_minutes"], 1, 240)
        self.helper = _rows(
            (("aggregation", "col-md-6"), ("reviews_visible", "col-md-6")),
            (("reviewers_per_submission", "col-md-6"), ("max_per_juror", "col-md-6")),
            (("document_weight", "col-md-6"), ("defense_minutes", "col-md-6")),
            (("review_deadline", "col-md-6"), ("blind", "col-md-6")),
        )


class CriterionForm(forms.ModelForm):
    weight = DecimalCommaField(
        label=capfirst(Criterion._meta.get_field("weight").verbose_name),
        min_value=0,
        max_digits=4,
        decimal_places=2,
        localize=True,
        initial=1,
    )

    class Meta:
        model = Criterion
        fields = [
            "position", "name_fr", "name_en", "description_fr", "description_en", "scale_min", "scale_max",
            "weight", "informational",
        ]  # fmt: skip
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 2}),
            "description_en": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["position"], 1, MAX_POSITION)
        _limit(self.fields["scale_min"], 0, 999)
        _limit(self.fields["scale_max"], 1, 999)

    @property
    def is_scored(self) -> bool:
        instance = self.instance
        return bool(getattr(instance, "scored_in_review", False) or getattr(instance, "scored_at_defense", False))

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("scale_min"), cleaned.get("scale_max")
        if low is not None and high is not None and high <= low:
            self.add_error("scale_max", _("The highest score must be above the lowest."))
        weight, informational = cleaned.get("weight"), cleaned.get("informational")
        if weight is not None and weight <= 0 and not informational:
            self.add_error("weight", _("A criterion that counts needs a weight above 0 (or mark it informational)."))
        if self.instance.pk and self.is_scored and {"scale_min", "scale_max"} & set(self.changed_data):
            self.add_error("scale_max", SCALE_FIXED)
        return cleaned


class BaseCriterionFormSet(OrderedRowsFormSet):
    """One rubric (document or defense) of the edition; pass rubric=Criterion.Rubric.X."""

    def __init__(self, *args, rubric: str, **kwargs):
        self.rubric = rubric
        criteria = Criterion.objects.filter(rubric=rubric)
        kwargs.setdefault("queryset", annotate_scored(criteria).order_by("position", "pk"))
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        scored = [form.instance for form in self.deleted_forms if form.instance.pk and form.is_scored]
        if scored:
            raise forms.ValidationError(
                _("%(criteria)s: reviews already hold scores for this criterion; it cannot be deleted.")
                % {"criteria": ", ".join(str(criterion) for criterion in scored)}
            )
        if self.rubric == Criterion.Rubric.DOCUMENT:
            kept = [
                form
                for form in self.forms
                if not self._should_delete_form(form)
                and (form.instance.pk or form.has_changed())
                and not form.cleaned_data.get("informational")
            ]
            if not kept:
                raise forms.ValidationError(_("The document rubric needs at least one criterion that counts."))


CriterionFormSet = inlineformset_factory(
    Edition,
    Criterion,
    form=CriterionForm,
    formset=BaseCriterionFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_CRITERIA,
    validate_max=True,
)


class DeclareConflictForm(forms.Form):
    """A juror's conflict of interest with one group (the view passes the groups the juror may choose from)."""

    group = forms.TypedChoiceField(label=_("Document"), coerce=int)
    kind = forms.ChoiceField(
        label=_("Kind of conflict"), choices=[("", _("Choose…")), *ConflictOfInterest.Kind.choices]
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_("Seen by the chair and the organisers, e.g. “I supervised a member's thesis”."),
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = {group.pk: group for group in groups}
        self.fields["group"].choices = [("", _("Choose…")), *((pk, group.label) for pk, group in self.groups.items())]
        self.helper = rows_helper()

    def clean_group(self):
        return self.groups[self.cleaned_data["group"]]
