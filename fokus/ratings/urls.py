from django.urls import path

from fokus.ratings.views import links, meeting, paper, screen

app_name = "ratings"
urlpatterns = [
    path("ratings/cases/<int:case_id>/paper/", paper.paper_entry, name="paper_entry"),
    path("ratings/cases/<int:case_id>/meetings/new/", meeting.meeting_start,
         name="meeting_start"),
    path("ratings/cases/<int:case_id>/meetings/<int:meeting_id>/hand-over/", meeting.hand_over,
         name="hand_over"),
    path("ratings/cases/<int:case_id>/meetings/<int:meeting_id>/missing/",
         meeting.missing_rating, name="missing_rating"),
    path("ratings/cases/<int:case_id>/links/new/", links.link_send, name="link_send"),
    path("ratings/screen/", screen.kiosk_screen, name="kiosk"),
    path("ratings/screen/submit/", screen.kiosk_submit, name="kiosk_submit"),
    path("ratings/screen/unlock/", screen.unlock, name="unlock"),
    # The family screen's service worker: under the screen's path, so that it covers it.
    path("ratings/screen/sw.js", screen.service_worker, name="kiosk_service_worker"),
    # The public page of a rating link: no login, and short enough for a text message.
    path("r/<str:token>/", links.rate_by_link, name="rate_by_link"),
    # Public: the privacy notice the rating link's page links to.
    path("privatliv/", links.privacy, name="privacy"),
    path("ratings/cases/<int:case_id>/meetings/<int:meeting_id>/cancel/",
         meeting.meeting_cancel, name="meeting_cancel"),
]
