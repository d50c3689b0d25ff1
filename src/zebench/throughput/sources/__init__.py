"""Where the numbers come from: the source's JSON API and, as a fallback, its pages."""
