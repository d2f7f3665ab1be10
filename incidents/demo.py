"""Demo history of the incidents app."""
