"""Who may use the cockpit: the edition's organisers (and site staff); each feature adds its permissions here."""

import rules

from cohorts.rules import is_organiser, is_site_staff

rules.add_perm("cockpit.view_dashboard", is_site_staff | is_organiser)
