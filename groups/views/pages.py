"""A group's page (organisers, its mentor, its members once published) and a participant's own group."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from cohorts.permissions import edition_for

from .. import services
from ..models import Group, Membership
from .formation import FORM_GROUPS


def _render_group(request, edition, group: Group, *, mine: bool):
    can_form = request.user.has_perm(FORM_GROUPS, edition)
    context = {
        "edition": edition,
        "group": group,
        "members": services.group_members(group),
        "mine": mine,
        "can_form": can_form,
        # Email addresses are for those who run the group, not for every member.
        "show_emails": can_form or group.mentor_id == request.user.pk,
    }
    return render(request, "groups/group_detail.html", context)


@login_required
def group_detail(request, slug, pk):
    edition = edition_for(request, slug, "cohorts.view_edition")
    # Scoped to the edition of the address: a group of another edition is not found here.
    group = get_object_or_404(Group.objects.filter(edition=edition).select_related("stakeholder_type", "mentor"), pk=pk)
    group.edition = edition
    if not request.user.has_perm("groups.view_group", group):
        raise PermissionDenied
    return _render_group(request, edition, group, mine=False)


@login_required
def my_group(request, slug):
    """A participant's group once the groups are published; before that, the same plain note for everyone."""
    edition = edition_for(request, slug, "cohorts.view_edition")
    membership = None
    if request.user.has_perm("groups.see_own_group", edition):
        membership = (
            Membership.objects.filter(edition=edition, user=request.user)
            .select_related("group__stakeholder_type", "group__mentor")
            .first()
        )
    if membership is None:
        context = {"edition": edition, "can_form": request.user.has_perm(FORM_GROUPS, edition)}
        return render(request, "groups/my_group.html", context)
    group = membership.group
    group.edition = edition
    return _render_group(request, edition, group, mine=True)
