import rules

from cohorts.rules import is_edition_member, is_site_staff

rules.add_perm("submissions.view_assignment", is_site_staff | is_edition_member)
