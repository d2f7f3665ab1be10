"""selectors of the changes app."""
