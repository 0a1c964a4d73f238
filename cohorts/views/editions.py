from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from .. import services
from ..models import Role
from ..permissions import edition_for
from ..rules import roles_in


@login_required
def edition_detail(request, slug):
    edition = edition_for(request, slug, "cohorts.view_edition")
    phases = list(edition.phases.all())
    today = timezone.localdate()
    can_manage = request.user.has_perm("cohorts.manage_edition", edition)
    can_see_jury = request.user.has_perm("cohorts.view_jury_area", edition)
    context = {
        "edition": edition,
        "phases": phases,
        "next_phase": next((phase for phase in phases if phase.ends_on >= today), None),
        "today": today,
        "masterclasses": edition.masterclasses.prefetch_related("materials"),
        "my_roles": [role.label for role in Role if role in roles_in(request.user, edition)],
        "overview": services.edition_overview(edition) if can_manage else None,
        "jury": services.jury_of(edition) if can_see_jury else None,
    }
    return render(request, "cohorts/edition_detail.html", context)
