from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from fokus.lib.forms import RefuseControlCharacters


class LoginForm(RefuseControlCharacters, AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        # AuthenticationForm sets the username's max_length after the field is made, so
        # Django never checks it: a longer name reached authenticate() and axes' record of
        # the failure (a server error on PostgreSQL, found by tests/test_fuzz_forms.py).
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length or 150))
