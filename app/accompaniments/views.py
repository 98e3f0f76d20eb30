"""Views (built by the issue that owns this domain)."""
