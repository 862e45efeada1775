from django.urls import path

from fokus.accounts import views_approvals

app_name = "accounts"

urlpatterns = [
    path("godkendelser/", views_approvals.approvals, name="approvals"),
    path("adgangskode/ny/<uidb64>/<token>/", views_approvals.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("adgangskode/ny/faerdig/", views_approvals.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
]
