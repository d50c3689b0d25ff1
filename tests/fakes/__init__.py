"""Local stand-ins for remote services, reusable by any test (see ``fixtures``)."""
