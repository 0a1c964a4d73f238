"""Navigation per role, built from one cached roles query."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject


def _my_editions(user) -> list[dict]:
    from cohorts.models import Edition, Role
    from cohorts.rules import roles_by_edition

    roles = roles_by_edition(user)
    if not roles:
        return []
    labels = dict(Role.choices)
    editions = Edition.objects.filter(pk__in=roles).select_related("school").order_by("-year")
    return [
        {
            "edition": edition,
            "roles": [labels[role] for role in Role.values if role in roles[edition.pk]],
            "url": edition.get_absolute_url(),
            "invitations_url": reverse("cohorts:invitation_list", kwargs={"slug": edition.slug}),
        }
        for edition in editions
    ]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_editions": SimpleLazyObject(lambda: _my_editions(user))}
