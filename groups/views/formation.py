"""The formation screen: unassigned participants and the groups side by side, the bulk actions, publication."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cohorts.permissions import edition_for

from .. import services
from ..forms import FormationActionForm, FormationSearchForm, PublicationForm
from ..rules import groups_are_published
from .board_html import board_html

FORM_GROUPS = "groups.form_groups"


def _query_without(request, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_required
def formation(request, slug):
    edition = edition_for(request, slug, FORM_GROUPS)
    search_form = FormationSearchForm(request.GET)
    search = search_form.search()
    board = services.formation_board(
        edition, search=search, page=request.GET.get("page"), open_group=request.GET.get("ouvert")
    )
    context = {
        "edition": edition,
        "board": board,
        **board_html(board, edition.slug, open_query=_query_without(request, "ouvert")),
        "search_form": search_form,
        "search": search,
        "query": request.GET.urlencode(),
        "page_query": _query_without(request, "page"),
        "section": "formation",
    }
    return render(request, "groups/formation.html", context)


@require_POST
@login_required
def formation_action(request, slug):
    """The formation screen's buttons (one form around both lists: works without JavaScript)."""
    edition = edition_for(request, slug, FORM_GROUPS)
    back = redirect(f"{reverse('groups:formation', args=[slug])}?{request.GET.urlencode()}")
    form = FormationActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return back
    action, selected = form.cleaned_data["action"], form.cleaned_data["selected"]
    try:
        _act(request, edition, form, action, selected)
    except services.PlacementRefused as refusal:
        messages.error(request, refusal.message)
    return back


def _act(request, edition, form, action: str, selected: list[int]) -> None:
    by = request.user
    if action == form.ASSIGN:
        moved = services.place(edition, selected, form.cleaned_data["group"], by=by)
        if moved:
            messages.success(
                request,
                ngettext("%(count)d person placed.", "%(count)d people placed.", moved) % {"count": moved},
            )
        else:
            messages.info(request, _("They were already in this group: nothing changed."))
    elif action == form.REMOVE:
        removed = services.remove(edition, selected, by=by)
        _count_message(
            request,
            removed,
            ngettext(
                "%(count)d person taken out of their group.", "%(count)d people taken out of their groups.", removed
            ),
        )
    elif action in (form.PIN, form.UNPIN):
        pinned = action == form.PIN
        changed = services.set_pinned(edition, selected, pinned, by=by)
        done = (
            ngettext("%(count)d person pinned.", "%(count)d people pinned.", changed)
            if pinned
            else ngettext("%(count)d person unpinned.", "%(count)d people unpinned.", changed)
        )
        _count_message(request, changed, done)
    else:
        membership = services.make_coordinator(edition, selected[0], by=by)
        messages.success(
            request,
            _("%(name)s is now the coordinator of %(group)s.")
            % {"name": membership.user, "group": membership.group.name},
        )


def _count_message(request, count: int, done: str) -> None:
    if count:
        messages.success(request, done % {"count": count})
    else:
        messages.info(request, _("Nobody ticked is in a group: nothing changed."))


@require_POST
@login_required
def publication(request, slug):
    edition = edition_for(request, slug, FORM_GROUPS)
    form = PublicationForm(request.POST)
    back = redirect("groups:formation", slug=slug)
    if not form.is_valid():
        messages.error(request, _("This action is unknown: nothing was changed."))
        return back
    published = groups_are_published(edition)
    if form.cleaned_data["action"] == form.PUBLISH:
        if published:
            messages.info(request, _("The groups were already published."))
        else:
            services.publish(edition, by=request.user)
            messages.success(request, _("The groups are published: each member is being emailed their group."))
    elif not published:
        messages.info(request, _("The groups were already hidden."))
    else:
        services.unpublish(edition, by=request.user)
        messages.success(request, _("The groups are hidden: participants no longer see them."))
    return back
