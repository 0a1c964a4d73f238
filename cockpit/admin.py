"""The admin for site staff: list filters, search, read-only where the record is evidence."""
