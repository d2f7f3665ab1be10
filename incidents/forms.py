"""forms of the incidents app."""
