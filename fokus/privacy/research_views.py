"""The analyst's research projects and their pseudonymised downloads (fokus.privacy.
research). Anyone but an analyst of the project's organisation gets 404, logged."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fokus.privacy import research


@login_required
@require_GET
def research_projects(request):
    projects = research.list_projects_for_user(request.user)
    return render(request, "privacy/research_projects.html", {
        "projects": projects, "columns": research.data_dictionary()})


@never_cache
@login_required
@require_GET
def research_download(request, project_id: int):
    download = research.download_for_user(request.user, project_id)
    response = HttpResponse(download.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["Cache-Control"] = "no-store"
    return response
