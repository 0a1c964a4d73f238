"""Who may use the cockpit (object: the edition). Written once here, used by views, templates and tests."""

import rules

from cohorts.models import Edition, Role
from cohorts.rules import is_organiser, is_site_staff, roles_by_edition

organises = is_site_staff | is_organiser

rules.add_perm("cockpit.view_dashboard", organises)
rules.add_perm("cockpit.send_messages", organises)
rules.add_perm("cockpit.manage_certificates", organises)
rules.add_perm("cockpit.build_reports", organises)
rules.add_perm("cockpit.view_audit_log", organises)


@rules.predicate
def organises_in_school(user, school) -> bool:
    """Organises at least one edition of the school (object: the School)."""
    organised = [edition_id for edition_id, roles in roles_by_edition(user).items() if Role.ORGANISER in roles]
    return bool(organised) and Edition.objects.filter(school=school, pk__in=organised).exists()


# The statistics across a school's editions (object: the School).
rules.add_perm("cockpit.view_statistics", is_site_staff | organises_in_school)


@rules.predicate
def owns_valid_certificate(user, certificate) -> bool:
    return certificate.user_id == user.pk and certificate.revoked_at is None


@rules.predicate
def organises_certificate_edition(user, certificate) -> bool:
    return user.has_perm("cockpit.manage_certificates", certificate.edition)


# A certificate's PDF (object: the Certificate): its owner while it is valid; the edition's organisers, always.
rules.add_perm(
    "cockpit.download_certificate", rules.is_authenticated & (owns_valid_certificate | organises_certificate_edition)
)
