"""serializers of the reporting app."""
