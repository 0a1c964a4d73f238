"""The edition's journal: who did what, when, before → after (cockpit.view_audit_log)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from cohorts.permissions import edition_for

from .. import audit
from ..forms_audit import AuditFilterForm

PER_PAGE = 50


@login_required
def audit_log(request, slug):
    edition = edition_for(request, slug, "cockpit.view_audit_log")
    form = AuditFilterForm(request.GET or None, actors=audit.actors_of(edition), kinds=audit.kinds())
    filters = form.filters() if form.is_bound else {}
    page = Paginator(audit.filtered(edition, filters), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "edition": edition,
        "form": form,
        "page": page,
        "rows": audit.describe(list(page)),
        "filtered": bool(filters),
        "query": query.urlencode(),
    }
    return render(request, "cockpit/audit_log.html", context)
