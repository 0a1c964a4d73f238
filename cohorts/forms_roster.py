"""Forms of the roster, attendance and profile pages: validation only, no side effects."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.forms.models import fields_for_model
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from malisig.markup import attributes, format_row
from malisig.models import User

from .models import AttendanceEvent, Enrolment, Profile
from .services.roster import DEFAULT_SORT, NO_GENDER, NO_GROUP, OWN_ACCOUNT_FIELDS, OWN_PROFILE_FIELDS, ROSTER_SORTS

ANY = ("", pgettext_lazy("filter", "All"))


SELECT = {"class": "form-select form-select-sm"}
INPUT = {"class": "form-control form-control-sm"}


class LightSelect(forms.Select):
    """A select written in Python rather than by a template per option: the roster's filters list every group.

    The same HTML as forms.Select for flat choices (no option groups), the chosen option `selected`.
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = "".join(
            format_row(_OPTION, value=key, selected=" selected" if str(key) in chosen else "", label=label)
            for key, label in self.choices
        )
        return format_row(
            _SELECT, name=name, attrs=attributes(self.build_attrs(self.attrs, attrs)), options=SafeString(options)
        )


class LightInput(forms.TextInput):
    """An input written in Python rather than by Django's widget templates: the same HTML, a tenth of the cost.

    The type comes from `attrs` ("type": "search"), as for forms.TextInput; LightInput(hidden=True) is a hidden input.
    """

    def __init__(self, attrs=None, *, hidden: bool = False):
        super().__init__(attrs)
        if hidden:
            self.input_type = "hidden"

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        return format_row(
            _INPUT,
            type=self.input_type,
            name=name,
            value="" if value is None else format_row(' value="{value}"', value=value),
            attrs=attributes(self.build_attrs(self.attrs, attrs)),
        )


_OPTION = '<option value="{value}"{selected}>{label}</option>'
_SELECT = '<select name="{name}"{attrs}>{options}</select>'
_INPUT = '<input type="{type}" name="{name}"{value}{attrs}>'


class RosterFilterForm(forms.Form):
    """The roster's search, filters and sort (GET). A wrong value is ignored rather than shown as an error."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=LightInput(attrs={**INPUT, "type": "search", "placeholder": _("Name, email or organisation")}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[ANY, *Enrolment.Status.choices], widget=LightSelect(SELECT)
    )
    eligible = forms.ChoiceField(
        label=_("Eligibility"),
        required=False,
        choices=[ANY, ("yes", _("Eligible")), ("no", _("Not eligible"))],
        widget=LightSelect(SELECT),
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=[ANY, *Profile.Gender.choices, (NO_GENDER, _("Not given"))],
        widget=LightSelect(SELECT),
    )
    country = forms.ChoiceField(label=_("Country"), required=False, widget=LightSelect(SELECT))
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=100, widget=LightInput(INPUT))
    group = forms.ChoiceField(label=_("Group"), required=False, widget=LightSelect(SELECT))
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in ROSTER_SORTS], widget=LightInput(hidden=True)
    )

    def __init__(self, *args, countries: list[str], groups: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [ANY, *((country, country) for country in countries)]
        self.fields["group"].choices = [ANY, *((str(pk), name) for pk, name in groups), (NO_GROUP, _("No group"))]

    def filters(self) -> dict:
        """Keyword arguments for services.roster(), from the valid fields only."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return {
            "search": data.get("q", ""),
            "status": data.get("status", ""),
            "eligible": {"yes": True, "no": False}.get(data.get("eligible", "")),
            "gender": data.get("gender", ""),
            "country": data.get("country", ""),
            "organisation": data.get("organisation", ""),
            "group": data.get("group", ""),
            "sort": data.get("sort") or DEFAULT_SORT,
        }


class EnrolmentIdsField(forms.Field):
    """The ticked rows of a table (one checkbox per row, all named alike)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        return sorted({int(pk) for pk in value if str(pk).isdigit()})


class RosterActionForm(forms.Form):
    """The roster's bulk buttons: which action, on which ticked rows, and why."""

    INVITE, ADMIT, WITHDRAW, INVITE_ADMITTED = "invite", "admit", "withdraw", "invite_admitted"

    action = forms.ChoiceField(
        choices=[
            (INVITE, _("Invite the selected people")),
            (ADMIT, _("Admit by hand")),
            (WITHDRAW, _("Withdraw")),
            (INVITE_ADMITTED, _("Invite everyone admitted")),
        ]
    )
    selected = EnrolmentIdsField(required=False)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action and action != self.INVITE_ADMITTED and not cleaned.get("selected"):
            raise forms.ValidationError(_("Tick at least one person first."))
        if action == self.ADMIT and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why you admit these people by hand: it is kept in their history."))
        return cleaned


class ParticipantAddForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Profile, fields=OWN_PROFILE_FIELDS))
        self.helper = FormHelper()
        self.helper.add_input(Submit("add", _("Add to the roster")))


class StatusChangeForm(forms.Form):
    """A button per available status on a participant's page, and the reason kept in the history."""

    to = forms.ChoiceField(choices=Enrolment.Status.choices)
    note = forms.CharField(label=_("Reason (kept in the history)"), required=False, max_length=300)


class SessionForm(forms.ModelForm):
    class Meta:
        model = AttendanceEvent
        fields = ["title", "date"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {"title": _("For example: Workshop, day 1")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("create", _("Create the session")))


class MyProfileForm(forms.Form):
    """What a person may change about themselves; email, grade, status and eligibility are not here on purpose."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(User, fields=OWN_ACCOUNT_FIELDS))
        self.fields.update(fields_for_model(Profile, fields=OWN_PROFILE_FIELDS))
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save my profile")))
