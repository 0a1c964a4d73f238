"""Signal receivers of the cockpit: the audit log's registrations and edition tagging."""
