"""Server-side aggregates behind the dashboard pages."""
