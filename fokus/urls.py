from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from fokus.accounts.forms import LoginForm

urlpatterns = [
    # Each app's URLs carry their full paths; the apps' layers are in .importlinter.
    path("", include("fokus.insights.urls")),
    path("", include("fokus.cases.urls")),
    path("", include("fokus.ratings.urls")),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm,
                                                redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
