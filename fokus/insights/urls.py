from django.urls import path

from fokus.insights import views

app_name = "insights"
urlpatterns = [
    path("cases/<int:case_id>/graph.svg", views.case_graph_svg, name="case_graph_svg"),
    path("cases/<int:case_id>/record/", views.record_page, name="record"),
    path("cases/<int:case_id>/record.pdf", views.record_pdf, name="record_pdf"),
]
