"""Users, roles and permissions, sealed victim identities, and the audit chain."""
