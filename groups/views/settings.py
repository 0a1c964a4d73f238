"""The organisers' lists: the stakeholder types (roles) of the edition, and its groups."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cohorts.forms_editions import rows_helper
from cohorts.permissions import edition_for

from .. import services
from ..forms import CreateGroupsForm, DefaultTypesForm, GroupFormSet, StakeholderTypeFormSet, group_form_choices
from ..models import StakeholderType
from .formation import FORM_GROUPS
from .group_table import group_table


def _save_rows(request, edition, formset, save) -> bool:
    """Save a valid list through its service; a refusal (checked under the lock) becomes an error message."""
    try:
        save(edition, formset, by=request.user)
    except services.PlacementRefused as refusal:
        messages.error(request, refusal.message)
        return False
    messages.success(request, _("The changes are saved."))
    return True


@login_required
def types(request, slug):
    """The roles the groups play: names and briefs in French and English, matching sectors, order."""
    edition = edition_for(request, slug, FORM_GROUPS)
    existing = set(StakeholderType.objects.filter(edition=edition).values_list("code", flat=True))
    adding = request.method == "POST" and "add_defaults" in request.POST
    saving = request.method == "POST" and not adding
    defaults_form = DefaultTypesForm(request.POST if adding else None, existing=existing)
    formset = StakeholderTypeFormSet(request.POST if saving else None, instance=edition, prefix="types")
    if adding and defaults_form.is_valid():
        added = services.add_default_types(edition, by=request.user, codes=defaults_form.cleaned_data["codes"])
        messages.success(
            request, ngettext("%(count)d role added.", "%(count)d roles added.", len(added)) % {"count": len(added)}
        )
        return redirect(request.path)
    if saving and formset.is_valid() and _save_rows(request, edition, formset, services.save_stakeholder_types):
        return redirect(request.path)
    context = {
        "edition": edition,
        "formset": formset,
        "helper": rows_helper(),
        "defaults_form": defaults_form,
        "section": "types",
    }
    return render(request, "groups/types.html", context)


@login_required
def group_settings(request, slug):
    """The groups: name, role, sizes and mentor of each; and N new groups per role at once."""
    edition = edition_for(request, slug, FORM_GROUPS)
    creating = request.method == "POST" and "create" in request.POST
    saving = request.method == "POST" and not creating
    create_form = CreateGroupsForm(request.POST if creating else None)
    if creating and create_form.is_valid():
        created = services.create_groups(edition, create_form.cleaned_data["per_type"], by=request.user)
        messages.success(
            request,
            ngettext("%(count)d group created.", "%(count)d groups created.", len(created)) % {"count": len(created)},
        )
        return redirect(request.path)
    choices = group_form_choices(
        StakeholderType.objects.filter(edition=edition).order_by("position", "code"),
        services.mentor_candidates(edition),
    )
    formset = GroupFormSet(request.POST if saving else None, instance=edition, prefix="groups", form_kwargs=choices)
    if saving and formset.is_valid() and _save_rows(request, edition, formset, services.save_groups):
        return redirect(request.path)
    context = {
        "edition": edition,
        "formset": formset,
        # read here: the template's dotted lookups on a formset try formset[name] first, which builds every form
        "management_form": formset.management_form,
        "formset_errors": formset.non_form_errors(),
        "table": group_table(formset),
        "create_form": create_form,
        "has_types": bool(choices["types"]["choices"]),
        "section": "groups",
    }
    return render(request, "groups/group_settings.html", context)
