"""selectors of the checklists app."""
