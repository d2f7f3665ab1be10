"""tasks of the changes app."""
