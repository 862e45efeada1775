"""Real identity providers the sign-in tests start locally: a SAML 2.0 IdP (pysaml2's
saml2.server.Server in a small WSGI app) and an OpenID Connect provider (a tiny Django
project with django-oauth-toolkit), with keys generated for the test run."""
