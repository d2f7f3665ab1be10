"""forms of the checklists app."""
