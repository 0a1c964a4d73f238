"""Pages of group formation (organisers) and of the groups themselves (members, mentors)."""
