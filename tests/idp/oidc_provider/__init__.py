"""A tiny OpenID Connect provider (django-oauth-toolkit) the OIDC tests run as a subprocess."""
