"""The defense's forms: moving a group in the running order, and a juror's scores for one group (the plain form
and the JSON sent by defense.js read alike). The scale is checked by services.defense.score_value, once."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Criterion
from .services.defense import score_value

CRITERION_KEY = re.compile(r"c\d+")


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])

    @property
    def up(self) -> bool:
        return self.cleaned_data["direction"] == "up"


def field_name(criterion: Criterion) -> str:
    return f"c{criterion.pk}"


class DefenseScoresForm(forms.Form):
    """One optional field per defense criterion (`c<id>`), each a score within the criterion's scale or empty.
    `scores()` gives {criterion id: value or None} for the fields sent: a field not sent is left as it is."""

    def __init__(self, data, *, criteria: list[Criterion]):
        super().__init__(data)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[field_name(criterion)] = forms.CharField(required=False, label=criterion.tr.name)

    def clean(self):
        cleaned = super().clean()
        for criterion in self.criteria:
            name = field_name(criterion)
            if name not in self.data:
                continue
            try:
                cleaned[name] = score_value(criterion, cleaned.get(name))
            except ValidationError as error:
                self.add_error(name, error)
        unknown = [key for key in self.data if CRITERION_KEY.fullmatch(key) and key not in self.fields]
        if unknown:
            raise ValidationError(_("Unknown criterion: reload the page."))
        return cleaned

    def scores(self) -> dict[int, object]:
        return {c.pk: self.cleaned_data.get(field_name(c)) for c in self.criteria if field_name(c) in self.data}

    def first_error(self) -> str:
        for errors in self.errors.values():
            return str(errors[0])
        return ""

    @classmethod
    def from_json(cls, payload: dict, *, criteria: list[Criterion]) -> "DefenseScoresForm":
        """{"scores": {"<criterion id>": value | null}} as the form's data."""
        scores = payload.get("scores") if isinstance(payload, dict) else None
        if not isinstance(scores, dict) or not all(str(key).isdigit() for key in scores):
            raise ValueError("no scores")
        data = {f"c{key}": "" if value is None else str(value) for key, value in scores.items()}
        return cls(data, criteria=criteria)
