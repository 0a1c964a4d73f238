"""View helpers that load an object from the URL and ask the rules (rules.py) about it."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Edition


def edition_for(request, slug: str, perm: str) -> Edition:
    """The edition named in the URL, if the user holds `perm` on it (404 if unknown, 403 if not allowed)."""
    edition = get_object_or_404(Edition.objects.select_related("school"), slug=slug)
    if not request.user.has_perm(perm, edition):
        raise PermissionDenied
    return edition
