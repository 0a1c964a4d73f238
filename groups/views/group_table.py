"""The groups' list of the settings page as a table: one row of plain inputs per group, written in Python.

Crispy's templates for each field of every row were nearly all of the page's time (thirty groups: a tenth of a
second), and building thirty forms only to show what the groups hold was most of the rest. So a list to fill in is
written from the groups themselves, in the formset's order, under its field names; a list sent back with errors is
written from its forms, as typed. The columns' labels, widgets and choices come from one form of the formset.
"""

import html
from dataclasses import dataclass, field

from django.forms.utils import flatatt
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

COLUMNS = ("name", "stakeholder_type", "min_size", "max_size", "mentor")
HELP_ID = "groups-help-{}"


def _escape(value) -> str:
    """What format_html does to a value (django.utils.html.escape is html.escape), without its cost per call: a page
    of thirty groups escapes some three hundred values."""
    return html.escape(str(value))


@dataclass
class _Row:
    prefix: str
    values: dict  # field name → the value its input shows (None: empty)
    members: int | None = None  # None: a new group
    errors: dict = field(default_factory=dict)  # field name → messages
    row_errors: list = field(default_factory=list)


class _Column:
    """What one field's input shares on every row (label, attributes, help, a select's options), escaped once."""

    def __init__(self, name: str, form_field) -> None:
        self.name, self.label = name, _escape(form_field.label)
        self.type = "number" if form_field.widget.input_type == "number" else "text"
        self.attrs = flatatt(form_field.widget.attrs)  # escapes
        self.help = f' aria-describedby="{HELP_ID.format(name)}"' if form_field.help_text else ""
        self.options = None
        if hasattr(form_field, "choices"):
            self.options = [
                (str(value), f'<option value="{_escape(value)}"', f">{_escape(label)}</option>")
                for value, label in form_field.choices
            ]

    def cell(self, row: _Row, prefix: str, auto_id: str) -> str:
        """The row's input; `prefix`: the row's, escaped; `auto_id`: the formset's pattern of ids."""
        value, errors = row.values.get(self.name), row.errors.get(self.name)
        shown = "" if value is None else str(value)
        name, invalid = f"{prefix}-{self.name}", " is-invalid" if errors else ""
        common = f'id="{auto_id % name}" aria-label="{self.label}"{self.help}'
        if self.options is None:
            html_ = (
                f'<input type="{self.type}" name="{name}" value="{_escape(shown)}"{self.attrs}'
                f' class="form-control form-control-sm{invalid}" {common}>'
            )
        else:
            options = "".join(
                f"{start} selected{end}" if key == shown else f"{start}{end}" for key, start, end in self.options
            )
            html_ = f'<select name="{name}" class="form-select form-select-sm{invalid}" {common}>{options}</select>'
        if errors:
            html_ += f'<div class="invalid-feedback d-block">{_escape(" ".join(errors))}</div>'
        return f"<td>{html_}</td>"


def _rows_of_groups(formset) -> list[_Row]:
    """An unbound formset's rows, from its groups (what each form's initial values would be) and its extra rows."""
    pk, fk, parent = formset.model._meta.pk.name, formset.fk.name, formset.instance.pk
    groups = list(formset.get_queryset())
    rows = [
        _Row(
            formset.add_prefix(index),
            {
                "name": group.name,
                "stakeholder_type": group.stakeholder_type_id,
                "min_size": group.min_size,
                "max_size": group.max_size,
                "mentor": group.mentor_id,
                pk: group.pk,
                fk: parent,
            },
            members=group.member_count,
        )
        for index, group in enumerate(groups)
    ]
    for index in range(len(groups), formset.total_form_count()):
        rows.append(_Row(formset.add_prefix(index), {fk: parent}))
    return rows


def _rows_of_forms(formset) -> list[_Row]:
    """A bound formset's rows: what was sent, and the errors."""
    names = [*COLUMNS, formset.model._meta.pk.name, formset.fk.name, "DELETE"]
    return [
        _Row(
            form.prefix,
            {name: form[name].value() for name in names if name in form.fields},
            members=form.instance.member_count if form.instance.pk else None,
            errors=form.errors,
            row_errors=form.non_field_errors(),
        )
        for form in formset.forms
    ]


@dataclass
class GroupTable:
    columns: list  # one form's bound fields, for the headers and the help texts
    delete_label: str
    rows: str  # the rows' HTML


def group_table(formset) -> GroupTable:
    """The groups' table of a GroupFormSet: its columns and its rows (see the module's docstring)."""
    sample = formset.empty_form
    columns = [_Column(name, sample.fields[name]) for name in COLUMNS]
    delete_label, new_group = _escape(sample.fields["DELETE"].label), _escape(_("New group"))
    hidden = (formset.model._meta.pk.name, formset.fk.name)
    auto_id = _escape(formset.auto_id)
    rows = []
    for row in _rows_of_forms(formset) if formset.is_bound else _rows_of_groups(formset):
        prefix = _escape(row.prefix)
        cells = "".join(column.cell(row, prefix, auto_id) for column in columns)
        members = new_group if row.members is None else _escape(row.members)
        checked = " checked" if row.values.get("DELETE") else ""
        ids = "".join(
            f'<input type="hidden" name="{prefix}-{name}" value="{_escape(row.values.get(name) or "")}"'
            f' id="{auto_id % f"{prefix}-{name}"}">'
            for name in hidden
        )
        delete = f"{prefix}-DELETE"
        rows.append(
            f'<tr>{cells}<td class="text-end">{members}</td><td class="text-center"><input type="checkbox"'
            f' name="{delete}" class="form-check-input" id="{auto_id % delete}" aria-label="{delete_label}"{checked}>'
            f"{ids}</td></tr>"
        )
        if row.row_errors:
            rows.append(
                f'<tr><td colspan="{len(columns) + 2}"><div class="text-danger small">'
                f"{_escape(' '.join(row.row_errors))}</div></td></tr>"
            )
    return GroupTable(
        columns=[sample[name] for name in COLUMNS],
        delete_label=delete_label,
        rows=mark_safe("".join(rows)),  # noqa: S308 - every value went through _escape
    )
