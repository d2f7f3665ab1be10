"""services of the changes app."""
