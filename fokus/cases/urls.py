from django.urls import path

from fokus.cases import views

app_name = "cases"
urlpatterns = [
    path("cases/<int:case_id>/persons/new/", views.person_add, name="person_add"),
    path("cases/<int:case_id>/persons/<int:person_id>/privacy/", views.person_privacy,
         name="person_privacy"),
]
