from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import services
from ..models import Role
from ..permissions import edition_for
from ..rules import roles_in


@login_required
def edition_detail(request, slug):
    edition = edition_for(request, slug, "cohorts.view_edition")
    can_manage = request.user.has_perm("cohorts.manage_edition", edition)
    can_see_jury = request.user.has_perm("cohorts.view_jury_area", edition)
    context = {
        "edition": edition,
        **services.timeline_context(edition),
        "my_roles": [role.label for role in Role if role in roles_in(request.user, edition)],
        "overview": services.edition_overview(edition) if can_manage else None,
        "jury": services.jury_of(edition) if can_see_jury else None,
    }
    return render(request, "cohorts/edition_detail.html", context)
