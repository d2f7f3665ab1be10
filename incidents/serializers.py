"""serializers of the incidents app."""
