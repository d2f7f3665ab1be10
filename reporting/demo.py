"""Demo data of the reporting app."""
