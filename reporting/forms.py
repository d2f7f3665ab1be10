"""forms of the reporting app."""
