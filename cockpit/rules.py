"""Who may use the cockpit (object: the edition). Written once here, used by views, templates and tests."""

import rules

from cohorts.rules import is_organiser, is_site_staff

organises = is_site_staff | is_organiser

rules.add_perm("cockpit.view_dashboard", organises)
rules.add_perm("cockpit.send_messages", organises)
rules.add_perm("cockpit.manage_certificates", organises)
rules.add_perm("cockpit.build_reports", organises)
rules.add_perm("cockpit.view_audit_log", organises)
