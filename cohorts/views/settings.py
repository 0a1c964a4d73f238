"""The organisers' settings pages of an edition (cohorts.manage_edition), and the copy into a new edition."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import services
from ..forms_editions import (
    CopyEditionForm,
    EditionSettingsForm,
    MasterclassFormSet,
    MaterialFormSet,
    PhaseFormSet,
    SponsorFormSet,
    rows_helper,
)
from ..permissions import edition_for

MANAGE = "cohorts.manage_edition"


@login_required
def edition_settings(request, slug):
    edition = edition_for(request, slug, MANAGE)
    # The form edits a copy: after a refused POST the page title still shows the saved edition.
    form = EditionSettingsForm(request.POST or None, instance=copy.copy(edition))
    if request.method == "POST" and form.is_valid():
        typed_note = form.cleaned_data["concept_note"]
        edition = services.update_edition(edition, form.cleaned_data, by=request.user)
        messages.success(request, _("The settings are saved."))
        if edition.concept_note != typed_note.strip():
            messages.info(request, _("Some formatting of the concept note was removed for safety."))
        return redirect("cohorts:edition_settings", slug=edition.slug)
    return render(request, "cohorts/settings_edition.html", {"edition": edition, "form": form, "section": "edition"})


def _rows_page(request, edition, formset_class, *, instance, section, title, intro="", back_url=""):
    """A settings list (one formset): save all rows or none, then come back to the same list."""
    formset = formset_class(request.POST or None, request.FILES or None, instance=instance, prefix=section)
    if request.method == "POST" and formset.is_valid():
        services.save_settings_rows(formset, by=request.user)
        messages.success(request, _("The changes are saved."))
        return redirect(request.path)
    context = {
        "edition": edition,
        "formset": formset,
        "helper": rows_helper(),
        "section": section,
        "title": title,
        "intro": intro,
        "back_url": back_url,
    }
    return render(request, "cohorts/settings_rows.html", context)


@login_required
def settings_phases(request, slug):
    edition = edition_for(request, slug, MANAGE)
    intro = _("Participants see the next step as “what's next”. Leave a row empty to skip it.")
    return _rows_page(
        request, edition, PhaseFormSet, instance=edition, section="phases", title=_("Timeline"), intro=intro
    )


@login_required
def settings_masterclasses(request, slug):
    edition = edition_for(request, slug, MANAGE)
    intro = _("Once a masterclass is saved, add its materials (slides, recordings, readings) from its link.")
    return _rows_page(
        request, edition, MasterclassFormSet, instance=edition, section="masterclasses", title=_("Masterclasses"),
        intro=intro,
    )  # fmt: skip


@login_required
def settings_materials(request, slug, pk):
    edition = edition_for(request, slug, MANAGE)
    masterclass = get_object_or_404(edition.masterclasses.all(), pk=pk)
    return _rows_page(
        request,
        edition,
        MaterialFormSet,
        instance=masterclass,
        section="materials",
        title=_("Materials: %(masterclass)s") % {"masterclass": masterclass.tr.title},
        intro=_("Links are shown on the public page of the edition; files only to its members."),
        back_url=reverse("cohorts:settings_masterclasses", args=[edition.slug]),
    )


@login_required
def settings_sponsors(request, slug):
    edition = edition_for(request, slug, MANAGE)
    return _rows_page(
        request,
        edition,
        SponsorFormSet,
        instance=edition,
        section="sponsors",
        title=_("Sponsors and partners"),
        intro=_("Shown on the public page of the edition, sponsors first, in the order given."),
    )


@login_required
def edition_copy(request, slug):
    source = edition_for(request, slug, MANAGE)
    next_year = source.year + 1
    initial = {
        "year": next_year,
        "number": services.next_edition_number(source.school),
        "slug": f"{source.school.slug}-{next_year}",
        "title": f"{source.school.acronym} {next_year}",
    }
    form = CopyEditionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            target = services.copy_edition_settings(source, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(title)s is created from %(source)s.") % {
                "title": target.title,
                "source": source.title,
            })  # fmt: skip
            return redirect("cohorts:edition_settings", slug=target.slug)
    return render(request, "cohorts/settings_copy.html", {"edition": source, "form": form, "section": "copy"})
