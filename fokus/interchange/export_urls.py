"""The ratings downloads' URLs (fokus/interchange/exports.py), included from
fokus/interchange/urls.py (namespace "interchange")."""

from django.urls import path

from fokus.interchange import exports

urlpatterns = [
    path("cases/<int:case_id>/ratings.<slug:fmt>", exports.case_ratings, name="case_ratings"),
    path("teams/<int:team_id>/ratings.<slug:fmt>", exports.team_ratings, name="team_ratings"),
    path("ratings.<slug:fmt>", exports.organisation_ratings, name="organisation_ratings"),
]
