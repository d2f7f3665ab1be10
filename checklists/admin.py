"""Django admin of the checklists app."""
