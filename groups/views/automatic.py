"""The automatic assignment: parameters, a preview with its balance figures, then the same plan applied."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
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
        "has_groups": Group.objects.filter(edition=edition).exists(),
        "preview_rows": _preview_rows(plan) if plan else [],
        "section": "automatic",
    }
    return render(request, "groups/automatic.html", context)


def _preview_rows(plan: services.Preview) -> list:
    """(figures, [(gender label, count)]) for each group of the preview."""
    labels = services.gender_labels()
    return [
        (figures, [(labels.get(code, code), count) for code, count in figures.by_gender.items()])
        for figures in plan.groups
    ]
