from django.urls import path

from fokus.privacy import research_views, views

app_name = "privacy"

urlpatterns = [
    # The data protection officer's pages (fokus.privacy.views, docs/dpo.md). Ids only in
    # these paths: a search for a name or a CPR number is a POST.
    path("dpo/", views.home, name="home"),
    path("dpo/users/", views.user_pick, name="dpo_user_pick"),
    path("dpo/users/<int:user_id>/", views.user_log, name="dpo_user"),
    path("dpo/users/<int:user_id>/log.csv", views.user_log_csv, name="dpo_user_csv"),
    path("dpo/users/<int:user_id>/log.pdf", views.user_log_pdf, name="dpo_user_pdf"),
    path("dpo/persons/<int:person_id>/", views.person_log, name="dpo_person"),
    path("dpo/persons/<int:person_id>/log.csv", views.person_log_csv, name="dpo_person_csv"),
    path("dpo/persons/<int:person_id>/log.pdf", views.person_log_pdf, name="dpo_person_pdf"),
    # The analyst's research exports (fokus.privacy.research_views, docs/research-export.md).
    path("research/", research_views.research_projects, name="research_projects"),
    path("research/<int:project_id>/ratings.zip", research_views.research_download,
         name="research_download"),
]
