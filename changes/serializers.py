"""serializers of the changes app."""
