"""selectors of the incidents app."""
