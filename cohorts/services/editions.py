"""Editions and the roles people hold in them."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch
from django.utils import timezone

from malisig.models import User

from ..models import Edition, EditionRole, Invitation, MasterclassMaterial, Role
from ..rules import forget_roles


def grant_role(edition: Edition, user: User, role: str, *, by: User | None) -> EditionRole:
    """Give `user` the role in `edition` (no-op if held). Writes: one EditionRole row."""
    edition_role, _created = EditionRole.objects.get_or_create(
        edition=edition, user=user, role=role, defaults={"granted_by": by}
    )
    forget_roles(user)
    return edition_role


@dataclass(frozen=True)
class EditionOverview:
    edition: Edition
    counts_by_role: list[tuple[str, int]]
    open_invitations: int


def edition_overview(edition: Edition) -> EditionOverview:
    counts = dict(
        EditionRole.objects.filter(edition=edition).values_list("role").annotate(n=Count("id")).values_list("role", "n")
    )
    open_invitations = Invitation.objects.filter(
        edition=edition, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).count()
    return EditionOverview(edition, [(role.label, counts.get(role.value, 0)) for role in Role], open_invitations)


def jury_of(edition: Edition):
    """The jury, chair first."""
    jury_roles = [Role.JURY_CHAIR, Role.JUROR]
    return edition.roles.filter(role__in=jury_roles).select_related("user").order_by("-role", "user__last_name")


def timeline_context(edition: Edition) -> dict:
    """What the members' and the public edition pages show of the timeline: phases, what's next, masterclasses.

    Material files are private (ARCHITECTURE: served by a permission-checked view), so only links are listed.
    """
    phases = list(edition.phases.all())
    today = timezone.localdate()
    links = MasterclassMaterial.objects.exclude(link="").order_by("pk")
    return {
        "phases": phases,
        "today": today,
        "next_phase": next((phase for phase in phases if phase.ends_on >= today), None),
        "masterclasses": edition.masterclasses.prefetch_related(Prefetch("materials", queryset=links)),
    }
