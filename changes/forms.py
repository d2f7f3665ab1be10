"""forms of the changes app."""
