from django.urls import include, path

from fokus.interchange import views

app_name = "interchange"
urlpatterns = [
    # The import page (issue 13); a job's id is a random UUID, never a file's name.
    path("import/", views.upload, name="import_upload"),
    path("import/<uuid:job_id>/kolonner/", views.mapping, name="import_mapping"),
    path("import/<uuid:job_id>/kontrol/", views.preview, name="import_preview"),
    path("import/<uuid:job_id>/start/", views.start, name="import_start"),
    path("import/<uuid:job_id>/", views.progress, name="import_progress"),
    path("import/<uuid:job_id>/status/", views.status, name="import_status"),
    # FHIR R4 (issue 13, the "fhir" part): the case's NDJSON download.
    path("", include("fokus.interchange.fhir_urls")),
    # Ratings as CSV or XLSX per case, team or organisation (issue 13, fokus/interchange/exports.py).
    path("", include("fokus.interchange.export_urls")),
]
