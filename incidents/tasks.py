"""tasks of the incidents app."""
