"""tasks of the reporting app."""
