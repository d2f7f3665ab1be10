"""Procedures documents: parse them, and hand each section to the app that owns it."""
