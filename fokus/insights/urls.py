from django.urls import path

from fokus.insights.views import board, case, meeting, record, screen
from fokus.insights.views import dashboards as dashboard_views

app_name = "insights"
urlpatterns = [
    path("", case.home, name="home"),
    path("cases/", case.case_list, name="case_list"),
    path("cases/<int:case_id>/", case.case_detail, name="case"),
    path("insights/cases/<int:case_id>/graph.svg", case.case_graph_svg, name="case_graph_svg"),
    path("insights/cases/<int:case_id>/record/", record.record_page, name="record"),
    path("insights/cases/<int:case_id>/record.pdf", record.record_pdf, name="record_pdf"),
    path("board/", board.my_board, name="my_board"),
    path("teams/<int:team_id>/board/", board.board, name="board"),
    path("dashboards/outcomes/", dashboard_views.dashboard, name="dashboard"),
    path("dashboards/outcomes.csv", dashboard_views.dashboard_csv, name="dashboard_csv"),
    path("dashboards/outcomes.xlsx", dashboard_views.dashboard_xlsx, name="dashboard_xlsx"),
    path("dashboards/report.pdf", dashboard_views.report_pdf, name="report_pdf"),
    path("dashboards/use/", dashboard_views.fit_use_page, name="fit_use"),
    path("dashboards/mine/", dashboard_views.my_figures, name="my_figures"),
    path("ratings/cases/<int:case_id>/meetings/<int:meeting_id>/", meeting.meeting,
         name="meeting"),
    path("ratings/screen/graph/<int:step>/", screen.kiosk_graph, name="kiosk_graph"),
    path("ratings/screen/graph/family/", screen.kiosk_family_graph, name="kiosk_family_graph"),
]
