from django.urls import path

from fokus.privacy import research_views

app_name = "privacy"

urlpatterns = [
    # The analyst's research exports (fokus.privacy.research_views, docs/research-export.md).
    path("research/", research_views.research_projects, name="research_projects"),
    path("research/<int:project_id>/ratings.zip", research_views.research_download,
         name="research_download"),
]
