"""Models of the changes app."""
