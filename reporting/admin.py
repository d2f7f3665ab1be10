"""Django admin of the reporting app."""
