"""Forms of the organisers' assignment settings pages. Validation only; submissions.services.assignment saves.

Date and time fields are read and shown in the current time zone: the views set it to the assignment's own zone.
"""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Count, Q
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cohorts.forms_editions import DATETIME_INPUT, rows_helper

from .models import Assignment, AssignmentSettings, Question, SectionTemplate
from .services.assignment import MAX_POSITION, time_zone_choices

MAX_QUESTIONS = 30
MAX_PARTS = 40
HTML_HELP = _(
    "Simple HTML is kept (paragraphs, headings, lists, links, bold, italics, tables); anything else is removed when "
    "you save. Text without any tag is shown as typed, in paragraphs."
)


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["title_fr", "title_en", "statement_fr", "statement_en"]
        widgets = {
            "statement_fr": forms.Textarea(attrs={"rows": 12}),
            "statement_en": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {"statement_fr": HTML_HELP}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = rows_helper()  # the page writes the <form>, its token and buttons


def _limit(field: forms.IntegerField, low: int, high: int | None = None) -> None:
    field.validators.append(MinValueValidator(low))
    field.widget.attrs["min"] = low
    if high is not None:
        field.validators.append(MaxValueValidator(high))
        field.widget.attrs["max"] = high


class OrderedRowsFormSet(BaseInlineFormSet):
    """A list whose rows carry an order number, unique in the list; rows may swap numbers in one save.

    New rows are numbered after the last one; a new row left as offered (only its number filled in) is ignored.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", self.model._default_manager.order_by("position", "pk"))
        super().__init__(*args, **kwargs)
        highest = max((row.position for row in self.get_queryset()), default=0)
        self.initial_extra = [{"position": highest + number} for number in range(1, self.extra + 1)]

    def validate_unique(self):
        # Checked in clean() with a readable message; the service lets rows swap numbers without a collision.
        pass

    def clean(self):
        super().clean()
        seen, duplicates = set(), set()
        for form in self.forms:
            if self._should_delete_form(form) or (not form.instance.pk and not form.has_changed()):
                continue
            position = form.cleaned_data.get("position")
            if position is not None:
                (duplicates if position in seen else seen).add(position)
        if duplicates:
            raise forms.ValidationError(
                _("Two rows have the same order number (%(numbers)s): give each row its own number.")
                % {"numbers": ", ".join(str(number) for number in sorted(duplicates))}
            )


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["position", "text_fr", "text_en", "guidance_fr", "guidance_en"]
        widgets = {
            "text_fr": forms.Textarea(attrs={"rows": 2}),
            "text_en": forms.Textarea(attrs={"rows": 2}),
            "guidance_fr": forms.Textarea(attrs={"rows": 3}),
            "guidance_en": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"guidance_fr": _("Hints shown under the question: what a good answer covers, sources...")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["position"], 1, MAX_POSITION)


QuestionFormSet = inlineformset_factory(
    Assignment,
    Question,
    form=QuestionForm,
    formset=OrderedRowsFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_QUESTIONS,
    validate_max=True,
)


class SectionTemplateForm(forms.ModelForm):
    class Meta:
        model = SectionTemplate
        fields = ["position", "kind", "question", "title_fr", "title_en", "word_limit", "required"]
        help_texts = {"word_limit": _("Leave empty for no limit.")}

    def __init__(self, *args, questions=None, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["position"], 1, MAX_POSITION)
        _limit(self.fields["word_limit"], 1)
        field = self.fields["question"]
        # Choices read once for the whole list (a query per row otherwise); validation still uses the queryset.
        if questions is not None:
            field.queryset = questions["queryset"]
            field.choices = [("", field.empty_label), *questions["choices"]]

    def clean(self):
        cleaned = super().clean()
        kind, question = cleaned.get("kind"), cleaned.get("question")
        if question is not None and kind and kind != SectionTemplate.Kind.QUESTION:
            self.add_error("question", _("Only a part of kind “Question” answers a question."))
        return cleaned


class BaseSectionTemplateFormSet(OrderedRowsFormSet):
    def __init__(self, *args, **kwargs):
        written = Count("sections", filter=Q(sections__version__gt=0))
        kwargs.setdefault("queryset", SectionTemplate.objects.annotate(written=written).order_by("position", "pk"))
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        written = [
            form.instance
            for form in self.forms
            if self._should_delete_form(form) and getattr(form.instance, "written", 0)
        ]
        if written:
            raise forms.ValidationError(
                _("%(parts)s: groups have already written in this part; it cannot be deleted.")
                % {"parts": ", ".join(str(part) for part in written)}
            )


SectionTemplateFormSet = inlineformset_factory(
    Assignment,
    SectionTemplate,
    form=SectionTemplateForm,
    formset=BaseSectionTemplateFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_PARTS,
    validate_max=True,
)


def question_choices(assignment: Assignment) -> dict:
    """form_kwargs for SectionTemplateFormSet: the assignment's questions, read once."""
    queryset = Question.objects.filter(assignment=assignment).order_by("position")
    return {"questions": {"queryset": queryset, "choices": [(row.pk, f"{row.position}. {row}") for row in queryset]}}


class SubmissionSettingsForm(forms.ModelForm):
    """Dates are read in the time zone posted with them (the view sets it before binding)."""

    time_zone = forms.ChoiceField(
        label=_("Time zone of the dates"),
        help_text=_("The opening, the deadline and the cut-off are typed and shown in this time zone."),
    )

    class Meta:
        model = AssignmentSettings
        fields = [
            "opens_at", "deadline", "time_zone", "late_policy", "late_cutoff", "presentation_required",
            "attachments_allowed", "declaration_fr", "declaration_en", "members_confirm",
        ]  # fmt: skip
        widgets = {
            "opens_at": DATETIME_INPUT,
            "deadline": DATETIME_INPUT,
            "late_cutoff": DATETIME_INPUT,
            "late_policy": forms.RadioSelect,
            "declaration_fr": forms.Textarea(attrs={"rows": 3}),
            "declaration_en": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "opens_at": _("Groups can write from this moment. Leave empty to open at once."),
            "late_cutoff": _("With late submissions allowed: nothing is accepted after this moment."),
            "presentation_required": _("The document is always required; the presentation is a PPTX or PDF file."),
            "declaration_fr": _("The coordinator accepts it when submitting: own work, consent to publish."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices(self.instance.time_zone)
        self.helper = rows_helper()

    def clean(self):
        cleaned = super().clean()
        opens_at, deadline = cleaned.get("opens_at"), cleaned.get("deadline")
        policy, cutoff = cleaned.get("late_policy"), cleaned.get("late_cutoff")
        if opens_at and deadline and deadline <= opens_at:
            self.add_error("deadline", _("The deadline must be after the opening."))
        if policy == AssignmentSettings.LatePolicy.HARD_STOP:
            cleaned["late_cutoff"] = None
        elif policy and "late_cutoff" not in self.errors:
            if deadline and cutoff is None:
                self.add_error("late_cutoff", _("With late submissions allowed, give the cut-off."))
            elif cutoff and not deadline and "deadline" not in self.errors:
                self.add_error("deadline", _("Give the deadline the cut-off comes after."))
            elif cutoff and deadline and cutoff <= deadline:
                self.add_error("late_cutoff", _("The cut-off must be after the deadline."))
        return cleaned


WHOLE_EDITION = "edition"


class ExtensionForm(forms.Form):
    """More time for one group or for the whole edition; the new deadline is typed in the assignment's time zone."""

    scope = forms.ChoiceField(label=pgettext_lazy("extension", "For"))
    deadline = forms.DateTimeField(label=_("New deadline"), widget=DATETIME_INPUT)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Shown to the organisers, e.g. “Internet shutdown declared in Mali from 12 to 14 September”."),
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self._groups = {str(group.pk): group for group in groups}
        self.fields["scope"].choices = [
            ("", _("Choose…")),
            (WHOLE_EDITION, _("The whole edition (every group)")),
            (_("Groups"), [(pk, str(group)) for pk, group in self._groups.items()]),
        ]
        self.helper = rows_helper()

    def clean_scope(self):
        scope = self.cleaned_data["scope"]
        return None if scope == WHOLE_EDITION else self._groups[scope]
