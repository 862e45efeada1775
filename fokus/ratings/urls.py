from django.urls import path

from fokus.ratings import views

app_name = "ratings"
urlpatterns = [
    path("cases/<int:case_id>/paper/", views.paper_entry, name="paper_entry"),
    path("cases/<int:case_id>/meetings/new/", views.meeting_start, name="meeting_start"),
    path("cases/<int:case_id>/meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("cases/<int:case_id>/meetings/<int:meeting_id>/hand-over/", views.hand_over,
         name="hand_over"),
    path("cases/<int:case_id>/meetings/<int:meeting_id>/missing/", views.missing_rating,
         name="missing_rating"),
    path("cases/<int:case_id>/links/new/", views.link_send, name="link_send"),
    path("screen/", views.kiosk_screen, name="kiosk"),
    path("screen/submit/", views.kiosk_submit, name="kiosk_submit"),
    path("screen/unlock/", views.unlock, name="unlock"),
    path("screen/graph/<int:step>/", views.kiosk_graph, name="kiosk_graph"),
    path("screen/graph/family/", views.kiosk_family_graph, name="kiosk_family_graph"),
]
