from django.urls import path
from djangosaml2 import views as saml_views

from fokus.signin import oidc, views
from fokus.signin import saml as saml_acs

app_name = "signin"
saml = views.when_configured("FOKUS_SAML_IDP_METADATA")
oidc_on = views.when_configured("FOKUS_OIDC_ISSUER")

urlpatterns = [
    path("login/code/", views.second_factor_step, name="second_factor"),
    path("login/code/setup/", views.enrol, name="enrol"),
    path("account/", views.account, name="account"),
    path("account/sign-out-everywhere/", views.sign_out_everywhere,
         name="sign_out_everywhere"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/password/changed/", views.password_change_done,
         name="password_change_done"),
    path("login/refused/", views.sso_refused, name="sso_refused"),
    # SAML 2.0 (djangosaml2): Fokus's metadata, the start of a login, the assertion's return.
    # Each answers only when its provider is configured (404 otherwise).
    path("saml2/metadata/", saml(saml_views.MetadataView.as_view()), name="saml_metadata"),
    path("saml2/login/", saml(saml_views.LoginView.as_view()), name="saml_login"),
    path("saml2/acs/", saml(saml_acs.AcsView.as_view()),
         name="saml_acs"),
    # OpenID Connect (mozilla-django-oidc).
    path("oidc/login/", oidc_on(oidc.Authenticate.as_view()), name="oidc_login"),
    path("oidc/callback/", oidc_on(oidc.Callback.as_view()), name="oidc_callback"),
]
