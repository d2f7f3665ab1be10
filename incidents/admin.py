"""Django admin of the incidents app."""
