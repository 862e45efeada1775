from django.urls import path

from fokus.ratings import views

app_name = "ratings"
urlpatterns = [
    path("ratings/cases/<int:case_id>/paper/", views.paper_entry, name="paper_entry"),
    path("ratings/cases/<int:case_id>/meetings/new/", views.meeting_start, name="meeting_start"),
    path("ratings/cases/<int:case_id>/meetings/<int:meeting_id>/hand-over/", views.hand_over,
         name="hand_over"),
    path("ratings/cases/<int:case_id>/meetings/<int:meeting_id>/missing/", views.missing_rating,
         name="missing_rating"),
    path("ratings/cases/<int:case_id>/links/new/", views.link_send, name="link_send"),
    path("ratings/screen/", views.kiosk_screen, name="kiosk"),
    path("ratings/screen/submit/", views.kiosk_submit, name="kiosk_submit"),
    path("ratings/screen/unlock/", views.unlock, name="unlock"),
    # The public page of a rating link: no login, and short enough for a text message.
    path("r/<str:token>/", views.rate_by_link, name="rate_by_link"),
]
