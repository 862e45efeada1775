from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from fokus.lib.forms import FokusForm, RefuseControlCharacters


class CodeForm(FokusForm):
    code = forms.CharField(
        label=_("Code from your authenticator app"), max_length=6, min_length=6,
        help_text=_("Six digits. A new code is shown every 30 seconds."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9]{6}", "autofocus": True}),
        error_messages={"required": _("Enter the six-digit code."),
                        "min_length": _("Enter the six-digit code."),
                        "max_length": _("Enter the six-digit code.")})

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isascii() or not code.isdigit():
            raise forms.ValidationError(_("Enter the six-digit code."))
        return code


class ChangePasswordForm(RefuseControlCharacters, PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.update({"autocomplete": "current-password"})
