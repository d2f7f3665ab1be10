"""services of the checklists app."""
