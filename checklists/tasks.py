"""tasks of the checklists app."""
