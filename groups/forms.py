"""Forms of group formation: the formation screen's actions, the automatic assignment, the types and groups lists.

Validation only; the services (groups.services) act and decide what is possible.
"""

import random

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import Count
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import get_language, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cohorts.models import Edition

from .balancing import Mode
from .defaults import DEFAULT_TYPES
from .models import Group, StakeholderType

INPUT = {"class": "form-control form-control-sm"}
MAX_GROUPS_PER_TYPE = 20
MAX_TYPES = 30
MAX_GROUPS = 200


class UserIdsField(forms.Field):
    """The ticked people (one checkbox per person, all named alike): user ids; anything else is refused."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("The selection was not understood: reload the page and try again.")}

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        values = [str(pk).strip() for pk in value]
        if not all(pk.isdigit() and 0 < len(pk) < 12 for pk in values):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return list(dict.fromkeys(int(pk) for pk in values))


class FormationSearchForm(forms.Form):
    """The search of unassigned people (GET); a wrong value is ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={**INPUT, "type": "search", "placeholder": _("Name, email or organisation")}),
    )

    def search(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""


class FormationActionForm(forms.Form):
    """The formation screen's buttons: which action, on which ticked people, and the group to place them in."""

    ASSIGN, REMOVE, PIN, UNPIN, COORDINATOR = "assign", "remove", "pin", "unpin", "coordinator"

    action = forms.ChoiceField(
        choices=[
            (ASSIGN, _("Place in the group")),
            (REMOVE, _("Take out of their group")),
            (PIN, _("Pin")),
            (UNPIN, _("Unpin")),
            (COORDINATOR, _("Make coordinator")),
        ],
        error_messages={"invalid_choice": _("This action is unknown: nothing was changed.")},
    )
    selected = UserIdsField(required=False)
    group = forms.CharField(label=_("Group"), required=False, max_length=12)

    def clean(self):
        cleaned = super().clean()
        action, selected = cleaned.get("action"), cleaned.get("selected")
        if action is None or selected is None:
            return cleaned
        if not selected:
            raise forms.ValidationError(_("Tick at least one person first."))
        if action == self.ASSIGN and not cleaned.get("group"):
            self.add_error("group", _("Choose the group to place them in."))
        if action == self.COORDINATOR and len(selected) != 1:
            raise forms.ValidationError(_("Tick one person only to make them coordinator of their group."))
        return cleaned


class PublicationForm(forms.Form):
    PUBLISH, UNPUBLISH = "publish", "unpublish"

    action = forms.ChoiceField(choices=[(PUBLISH, _("Publish the groups")), (UNPUBLISH, _("Hide the groups"))])


# The choices of the automatic assignment, and what each does.
MODES = [
    (
        Mode.OTHER,
        _("Play another role"),
        _("Nobody is placed in the group of their own sector: a civil society activist argues for the government."),
    ),
    (
        Mode.OWN,
        _("Play your own role"),
        _("People go to the group of their sector where possible: each group speaks from experience."),
    ),
    (
        Mode.IGNORE,
        _("Ignore the sector of origin"),
        _("Groups are balanced by gender, organisation and country only."),
    ),
]


def random_seed() -> int:
    return random.randint(1, 9999)


class AutomaticForm(forms.Form):
    """The automatic assignment's parameters (a preview by GET, then the same ones posted with the fingerprint)."""

    mode = forms.ChoiceField(
        label=_("Roles"), choices=[(mode.value, label) for mode, label, _help in MODES], initial=Mode.OTHER.value
    )
    seed = forms.IntegerField(
        label=_("Draw number"),
        min_value=0,
        max_value=999_999,
        help_text=_("The same number with the same participants gives the same groups; another number, other groups."),
    )
    groups_per_type = forms.IntegerField(
        label=_("Groups per role"),
        required=False,
        min_value=1,
        max_value=MAX_GROUPS_PER_TYPE,
        initial=1,
        help_text=_("The edition has no group yet: this many groups are created for each role."),
    )
    rebalance = forms.BooleanField(
        label=_("Also rebalance the people already placed (except those pinned)"), required=False
    )
    fingerprint = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def arguments(self) -> dict:
        """Keyword arguments for services.preview() and services.apply()."""
        data = self.cleaned_data
        return {
            "mode": Mode(data["mode"]),
            "seed": data["seed"],
            "groups_per_type": data.get("groups_per_type") or 1,
            "rebalance": data["rebalance"],
        }

    def modes(self) -> list[tuple[str, str, str, bool]]:
        """(value, label, explanation, chosen) for the radio buttons."""
        chosen = self["mode"].value() or Mode.OTHER.value
        return [(mode.value, label, explanation, mode.value == chosen) for mode, label, explanation in MODES]

    @classmethod
    def fresh(cls) -> "AutomaticForm":
        return cls(initial={"seed": random_seed()})


class StakeholderTypeForm(forms.ModelForm):
    class Meta:
        model = StakeholderType
        fields = ["name_fr", "name_en", "brief_fr", "brief_en", "sectors", "position"]
        widgets = {"brief_fr": forms.Textarea(attrs={"rows": 3}), "brief_en": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"brief_fr": _("What the group defends, shown to its members.")}


class BaseStakeholderTypeFormSet(BaseInlineFormSet):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "queryset", StakeholderType.objects.annotate(group_count=Count("groups")).order_by("position", "code")
        )
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        played = [form.instance for form in self.deleted_forms if getattr(form.instance, "group_count", 0)]
        if played:
            raise forms.ValidationError(
                _("%(types)s: a role played by a group cannot be deleted; delete or change its groups first.")
                % {"types": ", ".join(str(kind) for kind in played)}
            )


StakeholderTypeFormSet = inlineformset_factory(
    Edition,
    StakeholderType,
    form=StakeholderTypeForm,
    formset=BaseStakeholderTypeFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_TYPES,
    validate_max=True,
)


class DefaultTypesForm(forms.Form):
    """The usual roles the edition lacks, to add at once (Technical Community and Academia on request)."""

    codes = forms.MultipleChoiceField(
        label=_("Usual roles"), widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args, existing: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        english = (get_language() or "fr")[:2] == "en"
        missing = [kind for kind in DEFAULT_TYPES if kind.code not in existing]
        self.fields["codes"].choices = [(kind.code, kind.name_en if english else kind.name_fr) for kind in missing]
        self.fields["codes"].initial = [kind.code for kind in missing if kind.offered_first]
        self.fields["codes"].error_messages["required"] = _("Tick at least one role.")


class GroupForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name", "stakeholder_type", "min_size", "max_size", "mentor"]
        help_texts = {"mentor": _("Among the organisers and jury members of the edition.")}

    def __init__(self, *args, types=None, mentors=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices read once for the whole formset (a query per row otherwise); validation still uses the querysets.
        for name, rows in (("stakeholder_type", types), ("mentor", mentors)):
            if rows is not None:
                field = self.fields[name]
                field.queryset = rows["queryset"]
                field.choices = [("", field.empty_label), *rows["choices"]]

    def clean(self):
        cleaned = super().clean()
        min_size, max_size = cleaned.get("min_size"), cleaned.get("max_size")
        if min_size is not None and max_size is not None and min_size > max_size:
            self.add_error("max_size", _("The maximum size must be at least the minimum size."))
        members = getattr(self.instance, "member_count", 0)
        if max_size is not None and max_size < members and "max_size" not in self.errors:
            self.add_error(
                "max_size",
                ngettext(
                    "This group has %(count)d member: the maximum cannot be lower.",
                    "This group has %(count)d members: the maximum cannot be lower.",
                    members,
                )
                % {"count": members},
            )
        return cleaned


class BaseGroupFormSet(BaseInlineFormSet):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "queryset",
            Group.objects.annotate(member_count=Count("memberships")).order_by(
                "stakeholder_type__position", "stakeholder_type__code", "name", "pk"
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        busy = [form.instance for form in self.deleted_forms if getattr(form.instance, "member_count", 0)]
        if busy:
            raise forms.ValidationError(
                ngettext(
                    "%(groups)s has members: move them or take them out of the group before deleting it.",
                    "%(groups)s have members: move them or take them out of their groups before deleting them.",
                    len(busy),
                )
                % {"groups": ", ".join(str(group) for group in busy)}
            )


GroupFormSet = inlineformset_factory(
    Edition,
    Group,
    form=GroupForm,
    formset=BaseGroupFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_GROUPS,
    validate_max=True,
)


def group_form_choices(types, mentors) -> dict:
    """form_kwargs for GroupFormSet: the type and mentor choices, each read once."""

    def read(queryset, label):
        return {"queryset": queryset, "choices": [(row.pk, label(row)) for row in queryset]}

    return {
        "types": read(types, str),
        "mentors": read(mentors, lambda user: user.get_full_name() or user.email),
    }


class CreateGroupsForm(forms.Form):
    per_type = forms.IntegerField(
        label=pgettext_lazy("groups", "How many per role"), min_value=1, max_value=MAX_GROUPS_PER_TYPE, initial=1
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_class = "d-flex flex-wrap gap-2 align-items-end"
        self.helper.add_input(Submit("create", _("Create the groups")))
