"""Django admin of the changes app."""
