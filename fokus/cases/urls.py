from django.urls import path

from fokus.cases import views
from fokus.ratings import views as rating_views

app_name = "cases"
urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.case_list, name="list"),
    path("cases/<int:case_id>/", views.case_detail, name="detail"),
    path("cases/<int:case_id>/persons/new/", views.person_add, name="person_add"),
    path("cases/<int:case_id>/persons/<int:person_id>/privacy/", views.person_privacy,
         name="person_privacy"),
    # The public page of a rating link: no login.
    path("r/<str:token>/", rating_views.rate_by_link, name="rate_by_link"),
]
