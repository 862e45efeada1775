from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fokus.accounts"
    verbose_name = _("Users and roles")

    def ready(self):
        # Logins, failed logins, lockouts and logouts go to the access log (actions.py).
        from axes.signals import user_locked_out
        from django.contrib.auth import signals

        from fokus.accounts import actions

        signals.user_logged_in.connect(actions.on_logged_in, dispatch_uid="fokus-login")
        signals.user_login_failed.connect(actions.on_login_failed,
                                          dispatch_uid="fokus-login-failed")
        signals.user_logged_out.connect(actions.on_logged_out, dispatch_uid="fokus-logout")
        user_locked_out.connect(actions.on_locked_out, dispatch_uid="fokus-locked-out")
