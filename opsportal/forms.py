"""Portal-wide forms."""

from typing import Any

from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """The login form, with autocomplete hints for password managers and phones."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
