"""Projects (tenants) and their API tokens."""
