from django.urls import path

from fokus.ratings import views

app_name = "ratings"
urlpatterns = [
    path("cases/<int:case_id>/paper/", views.paper_entry, name="paper_entry"),
]
