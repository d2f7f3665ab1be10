"""serializers of the checklists app."""
