"""One module per dashboard page; each holds a router with the page and its exports."""
