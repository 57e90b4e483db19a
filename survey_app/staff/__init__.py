"""Staff accounts, login sessions, roles and authorisation, the audit log, the staff menu and
the administration pages."""
