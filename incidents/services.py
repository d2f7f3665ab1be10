"""services of the incidents app."""
