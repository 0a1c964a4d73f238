"""The automatic assignment: parameters, a preview with its balance figures, then the same plan applied."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from cohorts.permissions import edition_for

from .. import services
from ..forms import AutomaticForm
from ..models import Group
from .formation import FORM_GROUPS


@login_required
def automatic(request, slug):
    """GET: the form, or with its parameters a preview (nothing written). POST: apply the plan previewed."""
    edition = edition_for(request, slug, FORM_GROUPS)
    plan = None
    if request.method == "POST":
        form = AutomaticForm(request.POST)
        if form.is_valid():
            arguments = form.arguments()
            try:
                done = services.apply(
                    edition, **arguments, fingerprint=form.cleaned_data["fingerprint"], by=request.user
                )
            except services.PlacementRefused as refusal:
                messages.error(request, refusal.message)
                plan = services.preview(edition, **arguments, by=request.user)
            else:
                messages.success(
                    request,
                    _(
                        "Automatic assignment done: %(placed)d placed, %(moved)d moved, %(unplaced)d still without "
                        "a group."
                    )
                    % {"placed": done.placed, "moved": done.moved, "unplaced": done.unplaced},
                )
                return redirect("groups:formation", slug=edition.slug)
    elif "seed" in request.GET:
        form = AutomaticForm(request.GET)
        if form.is_valid():
            plan = services.preview(edition, **form.arguments(), by=request.user)
    else:
        form = AutomaticForm.fresh()
    context = {
        "edition": edition,
        "form": form,
        "plan": plan,
        # a preview read the groups already: it plans new ones only when the edition has none
        "has_groups": not plan.new_groups if plan else Group.objects.filter(edition=edition).exists(),
        "preview_rows": _preview_rows(plan) if plan else "",
        "section": "automatic",
    }
    return render(request, "groups/automatic.html", context)


# One group of the preview's table, written by format_html rather than by the template's loop (thirty groups: the
# template engine's cost per variable was a good part of the page's time).
_PREVIEW_ROW = (
    '<tr><th scope="row">{name}{new}</th><td>{role}</td><td class="text-end">{size}</td><td>{genders}</td>'
    '<td class="text-end">{organisations}</td><td class="text-end">{countries}</td>'
    '<td class="text-end">{own_role}</td><td class="text-end">{newcomers}</td></tr>'
)


def _preview_rows(plan: services.Preview) -> str:
    """The rows of the preview's table: each group's figures, its genders by label."""
    labels = {code: str(label) for code, label in services.gender_labels().items()}
    new = format_html(' <span class="badge text-bg-info">{}</span>', _("new"))
    return mark_safe(  # noqa: S308 - each row is made by format_html
        "".join(
            format_html(
                _PREVIEW_ROW,
                name=figures.name,
                new=new if figures.is_new else "",
                role=figures.type_name,
                size=figures.size,
                genders=" · ".join(f"{labels.get(code, code)} {count}" for code, count in figures.by_gender.items()),
                organisations=figures.organisations,
                countries=figures.countries,
                own_role=figures.own_role,
                newcomers=figures.newcomers,
            )
            for figures in plan.groups
        )
    )
