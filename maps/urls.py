from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from maps import views
from maps.views import accounts
from maps.views import anticorruption as ac_views
from maps.views import backlog as backlog_views
from maps.views import cases as case_views
from maps.views import dashboards as dashboard_views
from maps.views import documents as document_views
from maps.views import duplicates as duplicate_views
from maps.views import exports as export_views
from maps.views import heatmap as heatmap_views
from maps.views import imports as import_views
from maps.views import intake as intake_views
from maps.views import news as news_views
from maps.views import opendata as opendata_views
from maps.views import province_map as province_map_views
from maps.views import public as public_views
from maps.views import search as search_views
from maps.views import statistics as statistics_views
from maps.views import team as team_views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", search_views.search_page, name="search"),
    # The anti-corruption channel (seed 000): public form and tracking, the handlers' pages.
    path("anticorruption/", ac_views.tip_new, name="anticorruption"),
    path("anticorruption/track/", ac_views.tip_track, name="anticorruption_track"),
    path("anticorruption/tips/", ac_views.tip_list, name="anticorruption_tips"),
    path("anticorruption/audit/", ac_views.tip_audit, name="anticorruption_audit"),
    path("anticorruption/tips/<str:tracking_no>/", ac_views.tip_detail, name="anticorruption_tip"),
    path(
        "anticorruption/tips/<str:tracking_no>/act/",
        ac_views.tip_action,
        name="anticorruption_tip_act",
    ),
    path(
        "anticorruption/tips/<str:tracking_no>/files/<int:pk>/",
        ac_views.tip_evidence,
        name="anticorruption_tip_file",
    ),
    # The citizen's side (issue 11): file online, follow with number + PIN.
    path("file/", public_views.file_new, name="public_file"),
    path("file/done/", public_views.file_done, name="public_file_done"),
    path("track/", public_views.track, name="public_track"),
    path("track/case/", public_views.track_case, name="public_track_case"),
    path("track/case/add/", public_views.track_add, name="public_track_add"),
    path("track/leave/", public_views.track_leave, name="public_track_leave"),
    path("exports/", export_views.export_page, name="exports"),
    # Open data (ITA, issue 11): the page, its Frictionless descriptor and the files.
    path("open-data/", opendata_views.open_data, name="open_data"),
    path(
        "open-data/datapackage.json",
        opendata_views.open_data_package,
        name="open_data_package",
    ),
    path("open-data/<str:name>", opendata_views.open_data_file, name="open_data_file"),
    # News and activities (issue 11): public pages and feeds; the centres' writing pages.
    path("news/", news_views.news_list, name="news_list"),
    path("news/feed/", news_views.news_feed, name="news_feed"),
    path("news/feed/atom/", news_views.news_feed_atom, name="news_feed_atom"),
    path("news/post/<int:pk>/", news_views.news_detail, name="news_detail"),
    path("news/photos/<int:pk>/", news_views.news_photo, name="news_photo"),
    path("news/manage/", news_views.news_manage, name="news_manage"),
    path("news/manage/new/", news_views.news_new, name="news_new"),
    path("news/manage/<int:pk>/", news_views.news_edit, name="news_edit"),
    path("news/manage/<int:pk>/status/", news_views.news_status, name="news_status"),
    re_path(r"^news/(?P<code>[0-9]{2}|[0-9]{4})/$", news_views.news_area, name="news_area"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
    path("maps/province/<str:code>/", province_map_views.province_map, name="province_map"),
    # Statistics: the viewer's own level, a province (2 digits) or a district (4 digits).
    path("statistics/", statistics_views.statistics_home, name="statistics_home"),
    path("statistics/<str:code>/", statistics_views.statistics_area, name="statistics_area"),
    # The monthly report to the governor: /reports/monthly/49/2569-10.pdf (.xlsx, .csv).
    re_path(
        r"^reports/monthly/(?P<province>[0-9]{2})/(?P<month>[0-9]{4}-[0-9]{2})\.(?P<fmt>pdf|xlsx|csv)$",
        statistics_views.monthly_report,
        name="monthly_report",
    ),
    # Choropleth dashboards: the viewer's own level, and an area's (2/4 digits; 6 opens the
    # district with the sub-district picked).
    path("dashboards/", dashboard_views.dashboard_home, name="dashboards"),
    path("dashboards/<str:code>/", dashboard_views.dashboard, name="dashboard"),
    path("maps/heatmap/", heatmap_views.heatmap, name="heatmap"),
    # Issue 8: suspected duplicates and repeat people of a province (2 digits) or district (4).
    path("duplicates/<str:code>/", duplicate_views.duplicate_review, name="duplicate_review"),
    # The self-hosted base map (MAP_TILE_MBTILES), XYZ numbering.
    path("tiles/base/<int:z>/<int:x>/<int:y>.png", heatmap_views.base_tile, name="tiles_base"),
    # Intake before the case page's /cases/<tracking_no>/ so that "new" is never a number.
    path("cases/new/", intake_views.intake_new, name="intake_new"),
    path("cases/new/done/<str:tracking_no>/", intake_views.intake_done, name="intake_done"),
    # Closing the backlog in one act (before /cases/<tracking_no>/ too).
    path("cases/close/", backlog_views.case_bulk_close, name="case_bulk_close"),
    # Importing the backlog from spreadsheets.
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/act/", import_views.import_action, name="import_action"),
    path("imports/<int:pk>/rejected.xlsx", import_views.import_rejected, name="import_rejected"),
    # The sub-district team's phone page.
    path("team/", team_views.team_home, name="team_home"),
    path("team/cases/<str:tracking_no>/", team_views.team_case, name="team_case"),
    # Case lists and the case page (a tracking number is "2569-0000123": never a list's name).
    path("cases/", case_views.case_queue, name="case_queue"),
    path("cases/inbox/", case_views.case_inbox, name="case_inbox"),
    path("cases/backlog/", case_views.case_backlog, name="case_backlog"),
    path("cases/overdue/", case_views.case_overdue, name="case_overdue"),
    path("cases/notifications/", case_views.notification_list, name="case_notifications"),
    path("cases/<str:tracking_no>/", case_views.case_detail, name="case_detail"),
    path("cases/<str:tracking_no>/act/", case_views.case_action, name="case_action"),
    path(
        "cases/<str:tracking_no>/attachments/<int:pk>/",
        case_views.case_attachment,
        name="case_attachment",
    ),
    # Scanned documents (issue 12): upload to a case; the district's inbox of unrecorded
    # documents; a document's file and its page pictures (who may see it: the selector).
    path(
        "cases/<str:tracking_no>/documents/",
        document_views.case_document_upload,
        name="case_document_upload",
    ),
    path("documents/inbox/", document_views.document_inbox, name="document_inbox"),
    path("documents/<int:pk>/file/", document_views.document_file, name="document_file"),
    path(
        "documents/<int:pk>/read-again/",
        document_views.document_read_again,
        name="document_read_again",
    ),
    path(
        "documents/<int:pk>/pages/<int:number>.png",
        document_views.document_page,
        name="document_page",
    ),
    # django.contrib.auth.urls' paths and names, with our forms and Thai templates.
    path("accounts/login/", accounts.CitizenIdLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        accounts.OfficerPasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        accounts.OfficerPasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password_reset/",
        accounts.OfficerPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password_reset/done/",
        accounts.OfficerPasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        accounts.OfficerPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        accounts.OfficerPasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/lockouts/", accounts.lockout_list, name="lockout_list"),
    path("accounts/lockouts/unlock/", accounts.lockout_unlock, name="lockout_unlock"),
    path("accounts/profile/", accounts.profile, name="profile"),
    path("accounts/profile/tokens/", accounts.api_token_create_view, name="api_token_create"),
    path(
        "accounts/profile/tokens/<int:pk>/revoke/",
        accounts.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("accounts/register/", accounts.register, name="register"),
    path("accounts/register/done/", accounts.register_done, name="register_done"),
    path("accounts/registrations/", accounts.registration_list, name="registration_list"),
    path(
        "accounts/registrations/<int:pk>/",
        accounts.registration_detail,
        name="registration_detail",
    ),
    path(
        "accounts/registrations/<int:pk>/approve/",
        accounts.registration_approve_view,
        name="registration_approve",
    ),
    path(
        "accounts/registrations/<int:pk>/reject/",
        accounts.registration_reject_view,
        name="registration_reject",
    ),
]
