"""Who may see what, and what each action requires: decided here, once.

Every page, API response, export, notification and e-mail asks this module; ``api/`` and
``maps/`` never decide on their own. Three questions:

1. **Which class is a field?** Every field that leaves the system is named
   ``<namespace>.<key>`` (``case.description``, ``history.note``, ``export.status``…) and has
   one class in ``FIELD_CLASSES``. A field nobody classified is a programming error
   (``UnclassifiedField``): ``shape`` refuses it, and the field-classification test walks every
   response of every endpoint and page for every role so that a new field fails the suite.
2. **Which classes may a viewer see?** ``ROLE_CLASSES`` gives each role its classes; a viewer
   (``viewer_for``) has the union of their active roles' classes. The public (a citizen with a
   tracking number, later) sees ``PUBLIC`` only.
3. **What does an action require?** ``may_record`` / ``require_record`` (intake), attachments
   need the ``ATTACHMENT`` class; the workflow's own transition table says who may take which
   status change (``layers.services.workflow``), on top of the jurisdiction
   (``layers.selectors.scope``), which decides *which cases* a viewer sees at all.

The classes:

* ``PUBLIC`` — may be shown to anyone who may see the case at all: tracking number, status,
  category, area codes and names, dates, the unit in charge.
* ``CASE`` — officers' working data without people in it: versions, due dates, coordinates,
  the channel, forwarding targets (codes), team ids, status codes of the history.
* ``STAFF`` — officers' names (who acted, who wrote a note): for officers, not the public.
* ``PERSONAL`` — complainant's and accused party's structured data: names, citizen IDs,
  phones, addresses.
* ``FREE_TEXT`` — anything a person typed: descriptions, subjects, place notes, the words of an
  "Other" sub-category, notes, reasons, closing notes, the name of an agency a case was
  forwarded to, history values that hold such text. People write names, phones and citizen
  IDs there, so **every free text is personal until this table says otherwise**.
* ``ATTACHMENT`` — photos and scanned letters, and their file names and sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from layers.errors import Forbidden
from layers.models import HistoryKind, Role
from layers.rules import is_overdue
from layers.selectors.scope import jurisdiction_for

PUBLIC = "public"
CASE = "case"
STAFF = "staff"
PERSONAL = "personal"
FREE_TEXT = "free_text"
ATTACHMENT = "attachments"
CLASSES = (PUBLIC, CASE, STAFF, PERSONAL, FREE_TEXT, ATTACHMENT)

OFFICER_CLASSES = frozenset({PUBLIC, CASE, STAFF})
ENTITLED_CLASSES = frozenset(CLASSES)

# What each role may see. Everyone who works cases, approves or steers with them is entitled
# to the people in them; the GIS analyst reads maps and exports, and sees no person and no
# free text (seed 001: analysts export "without personal data unless entitled").
ROLE_CLASSES: dict[str, frozenset[str]] = {
    Role.DISTRICT_OFFICER: ENTITLED_CLASSES,
    Role.DISTRICT_CHIEF: ENTITLED_CLASSES,
    Role.TEAM_MEMBER: ENTITLED_CLASSES,
    Role.PROVINCE_OFFICER: ENTITLED_CLASSES,
    Role.GOVERNOR: ENTITLED_CLASSES,
    Role.CENTRAL_OFFICER: ENTITLED_CLASSES,
    Role.ADMIN: ENTITLED_CLASSES,
    Role.GIS_ANALYST: OFFICER_CLASSES,
    # The anti-corruption roles handle tips only (their classes there: TIP_ROLE_CLASSES). Of
    # the ordinary complaints they have what the public has, and their jurisdiction is empty
    # (layers.selectors.scope): no case, no count.
    Role.AC_COORDINATOR: frozenset({PUBLIC}),
    Role.AC_REPORTER: frozenset({PUBLIC}),
    Role.AC_CENTRE: frozenset({PUBLIC}),
}

# The anti-corruption channel (seed 000): who sees what of a tip in their area. Only these
# roles see tips at all (``layers.selectors.anticorruption`` scopes which ones); the tipster's
# identity and contact (``tip.tipster_*``, PERSONAL) are decrypted for them alone. No other role
# has an entry: a district officer, a chief, a governor or an analyst gets no tip and no count.
TIP_ROLES = frozenset({Role.AC_COORDINATOR, Role.AC_REPORTER, Role.AC_CENTRE})
TIP_ROLE_CLASSES: dict[str, frozenset[str]] = {
    Role.AC_COORDINATOR: ENTITLED_CLASSES,
    Role.AC_REPORTER: ENTITLED_CLASSES,
    Role.AC_CENTRE: ENTITLED_CLASSES,
}

# Every field that leaves the system, by namespace. Namespaces: ``case`` (a complaint, in lists,
# the case page and the API), ``history`` (a row of its timeline), ``note`` (a progress note),
# ``attachment`` (a file), ``teamcase`` (a row of the team's phone list), ``teammap`` (a point
# of the team's map), ``summary`` (a backlog summary row), ``page`` (list paging), ``export``
# (a column of an export, a property of a complaints tile), ``exportjob`` (an export prepared
# in the background), ``area`` (a boundary look-up, file or tile), ``boundary``/``boundaries`` (an area
# of /api/boundaries/<level>/), ``category``/``categories`` (the category tree), ``error`` (an
# error body), ``notification`` (what an in-app notification or e-mail says about a case),
# ``stats`` (a figure of a statistics page or a dashboard), ``report`` (a column of the monthly
# report),
# ``duplicate`` (a suggested duplicate by place), ``person_match`` (another case of the same
# person), ``open311*`` (Open311 GeoReport v2 requests, receipts, services and errors),
# ``webhook`` (the body of a webhook), ``areasearch``/``areahit`` (an area search by name),
# ``grid`` (a grid square of counted complaints), ``maparea`` (an area's figures in a map
# popup), ``search``/``searchpage`` (a search result and the search's answer), ``intake`` (the
# receipt of a complaint recorded through the API).
FIELD_CLASSES: dict[str, str] = {
    # --- the case --------------------------------------------------------------------------
    "case.tracking_no": PUBLIC,
    "case.status": PUBLIC,
    "case.status_label": PUBLIC,
    "case.is_open": PUBLIC,
    "case.close_result_label": PUBLIC,
    "case.channel_label": CASE,
    "case.forwarded_to_label": CASE,
    "case.category": PUBLIC,
    "case.category_name": PUBLIC,
    "case.subcategory": PUBLIC,
    "case.subcategory_name": PUBLIC,
    "case.subdistrict": PUBLIC,
    "case.subdistrict_name": PUBLIC,
    "case.district": PUBLIC,
    "case.district_name": PUBLIC,
    "case.province": PUBLIC,
    "case.province_name": PUBLIC,
    "case.received_at": PUBLIC,
    "case.closed_at": PUBLIC,
    "case.status_changed_at": PUBLIC,
    "case.close_result": PUBLIC,
    # The unit in charge: a team is an office (ชปต. ต.…), not a person.
    "case.team_name": PUBLIC,
    "case.version": CASE,
    "case.team": CASE,
    # Issue 8: the case this one duplicates, and the cases recorded as duplicates of it
    # ("also reported by N"): tracking numbers.
    "case.duplicate_of": PUBLIC,
    "case.also_reported": PUBLIC,
    # The case detail API: how many cases were recorded as duplicates of this one.
    "case.also_reported_by": PUBLIC,
    # The case page's list of suggested duplicates (each row a ``duplicate``).
    "case.duplicates": CASE,
    # The case page's "other complaints by this complainant / about this accused party" (each
    # row a ``person_match``): that these people turn up elsewhere is about a person.
    "case.people_matches": PERSONAL,
    "case.channel": CASE,
    "case.due_at": CASE,
    "case.overdue": CASE,
    "case.forwarded_to": CASE,
    "case.lat": CASE,
    "case.lon": CASE,
    "case.actions": CASE,
    "case.withheld": PUBLIC,
    "case.personal": PERSONAL,
    "case.history": CASE,
    "case.notes": CASE,
    "case.attachments": ATTACHMENT,
    "case.subcategory_text": FREE_TEXT,
    "case.title": FREE_TEXT,
    "case.description": FREE_TEXT,
    "case.location_note": FREE_TEXT,
    "case.close_note": FREE_TEXT,
    # Typed by an officer, but *for* the public tracking page: still a person's typing, so
    # free text on officers' pages; the tracking page shows it as ``track.close_note_public``.
    "case.close_note_public": FREE_TEXT,
    # Officers type the agency's name, and often the name of the person there.
    "case.forwarded_agency": FREE_TEXT,
    "case.complainant_name": PERSONAL,
    "case.complainant_citizen_id": PERSONAL,
    "case.complainant_phone": PERSONAL,
    "case.complainant_address": PERSONAL,
    "case.complainant_email": PERSONAL,
    "case.accused_name": PERSONAL,
    "case.accused_detail": PERSONAL,
    # Imported without coordinates: placed at its sub-district's point (issue 12).
    "case.location_approximate": CASE,
    # --- a history row (from_value / to_value: see HISTORY_VALUE_CLASSES) -------------------
    "history.kind": CASE,
    "history.kind_label": CASE,
    "history.from_status": CASE,
    "history.to_status": CASE,
    "history.change": CASE,
    "history.from_value": FREE_TEXT,
    "history.to_value": FREE_TEXT,
    "history.note": FREE_TEXT,
    "history.actor": STAFF,
    "history.at": CASE,
    # --- a progress note -------------------------------------------------------------------
    "note.id": CASE,
    "note.text": FREE_TEXT,
    "note.author": STAFF,
    "note.created_at": CASE,
    "note.visit_lat": CASE,
    "note.visit_lon": CASE,
    "note.visit_accuracy_m": CASE,
    "note.attachments": ATTACHMENT,
    # --- an attachment (its name is what the uploader's file was called) --------------------
    "attachment.id": ATTACHMENT,
    "attachment.name": ATTACHMENT,
    "attachment.kind": ATTACHMENT,
    "attachment.kind_label": ATTACHMENT,
    "attachment.content_type": ATTACHMENT,
    "attachment.size_bytes": ATTACHMENT,
    "attachment.uploaded_at": ATTACHMENT,
    "attachment.url": ATTACHMENT,
    # --- a scanned document (issue 12): the file and what it is, and the text read from it ---
    "case.documents": ATTACHMENT,
    "document.id": ATTACHMENT,
    "document.name": ATTACHMENT,
    "document.content_type": ATTACHMENT,
    "document.size_bytes": ATTACHMENT,
    "document.page_count": ATTACHMENT,
    "document.pages_done": ATTACHMENT,
    "document.status": ATTACHMENT,
    "document.status_label": ATTACHMENT,
    "document.method_label": ATTACHMENT,
    "document.pending": ATTACHMENT,
    "document.error": ATTACHMENT,
    "document.uploaded_at": ATTACHMENT,
    "document.district_code": ATTACHMENT,
    "document.district_name": ATTACHMENT,
    "document.pages": ATTACHMENT,
    "document.text": FREE_TEXT,
    "document.flags": FREE_TEXT,
    "docpage.number": ATTACHMENT,
    "docpage.method_label": ATTACHMENT,
    "docpage.confidence": ATTACHMENT,
    "docpage.text": FREE_TEXT,
    "docpage.segments": FREE_TEXT,
    # --- the team's phone list and map -----------------------------------------------------
    "teamcase.tracking_no": PUBLIC,
    "teamcase.status": PUBLIC,
    "teamcase.status_label": PUBLIC,
    "teamcase.title": FREE_TEXT,
    "teamcase.category": PUBLIC,
    "teamcase.subcategory": PUBLIC,
    "teamcase.subcategory_text": FREE_TEXT,
    "teamcase.subdistrict": PUBLIC,
    "teamcase.received_at": PUBLIC,
    "teamcase.due_at": CASE,
    "teamcase.overdue": CASE,
    "teamcase.lat": CASE,
    "teamcase.lon": CASE,
    "teamcase.distance_m": CASE,
    "teamcase.received_label": PUBLIC,
    "teamcase.due_label": CASE,
    "teamcase.distance_label": CASE,
    "teammap.tracking_no": PUBLIC,
    "teammap.status": PUBLIC,
    "teammap.category": PUBLIC,
    "teammap.title": FREE_TEXT,
    "teammap.overdue": CASE,
    # The subject when the officer typed one, else the category's name.
    "teammap.label": FREE_TEXT,
    "position.lat": CASE,
    "position.lon": CASE,
    # --- summaries and paging ----------------------------------------------------------------
    "summary.key": CASE,
    "summary.name": CASE,
    "summary.open": CASE,
    "summary.overdue": CASE,
    "summary.oldest_received_at": CASE,
    "page.count": CASE,
    "page.next": CASE,
    "page.previous": CASE,
    "page.results": CASE,
    "page.by": CASE,
    "page.sort": CASE,
    "page.position": CASE,
    "page.open_total": CASE,
    "page.open": CASE,
    "page.closed": CASE,
    # --- exports (GeoJSON properties; later CSV, Shapefile… columns) ------------------------
    "export.tracking_no": PUBLIC,
    "export.lon": CASE,
    "export.lat": CASE,
    "export.province_code": PUBLIC,
    "export.district_code": PUBLIC,
    "export.subdistrict_code": PUBLIC,
    "export.category_code": PUBLIC,
    "export.category_name_th": PUBLIC,
    "export.category_name_en": PUBLIC,
    "export.subcategory_code": PUBLIC,
    "export.subcategory_name_th": PUBLIC,
    "export.subcategory_name_en": PUBLIC,
    "export.channel": CASE,
    "export.status": PUBLIC,
    "export.received_at": PUBLIC,
    "export.closed_at": PUBLIC,
    # Asked for with ``personal=true`` by a role entitled to them (never in tiles or maps).
    "export.complainant_name": PERSONAL,
    "export.complainant_citizen_id": PERSONAL,
    "export.complainant_phone": PERSONAL,
    "export.complainant_address": PERSONAL,
    "export.accused_name": PERSONAL,
    "export.accused_detail": PERSONAL,
    "export.title": FREE_TEXT,
    "export.description": FREE_TEXT,
    "export.location_note": FREE_TEXT,
    "export.subcategory_text": FREE_TEXT,
    # --- an export job (its status as the API and the export page show it) ------------------
    "exportjob.id": CASE,
    "exportjob.format": CASE,
    "exportjob.status": CASE,
    "exportjob.status_label": CASE,
    "exportjob.rows": CASE,
    "exportjob.file_name": CASE,
    "exportjob.size_bytes": CASE,
    "exportjob.personal": CASE,
    "exportjob.filters": CASE,
    "exportjob.created_at": CASE,
    "exportjob.finished_at": CASE,
    "exportjob.expires_at": CASE,
    "exportjob.url": CASE,
    "exportjob.download_url": CASE,
    "exportjob.message": CASE,
    # --- an error body (api/errors.py); ``current`` holds the case's status and version ------
    "error.detail": PUBLIC,
    "error.code": PUBLIC,
    "error.fields": PUBLIC,
    "error.current": PUBLIC,
    "error.status": PUBLIC,
    "error.version": PUBLIC,
    "error.wait_seconds": PUBLIC,
    # OGC API – Features' exception body calls the message "description".
    "error.description": PUBLIC,
    # --- a boundary look-up (administrative boundaries are public data) ----------------------
    **{
        f"area.{key}": PUBLIC
        for key in (
            # a boundary's own code and names (boundary files and tiles)
            "code",
            "name_th",
            "name_en",
            "population",
            "inside",
            "lat",
            "lon",
            "subdistrict_code",
            "subdistrict_name_th",
            "subdistrict_name_en",
            "district_code",
            "district_name_th",
            "district_name_en",
            "province_code",
            "province_name_th",
            "province_name_en",
            "geom_quality",
            "message",
        )
    },
    # --- a suggested duplicate (place) and a person match (issue 8) ---------------------------
    # The other case's public data; the comparison's own measures (how far, how many days
    # apart, how alike, which person field matched) are working data. Of a case outside the
    # viewer's jurisdiction fewer still: see MATCH_OUTSIDE_FIELDS.
    **{
        f"duplicate.{key}": PUBLIC
        for key in (
            "tracking_no",
            "status",
            "category_code",
            "subcategory_code",
            "received_at",
            "subdistrict_code",
            "district_code",
            "province_code",
            "visible",
        )
    },
    "duplicate.distance_m": CASE,
    "duplicate.days_apart": CASE,
    "duplicate.score": CASE,
    "duplicate.likely": CASE,
    "duplicate.lat": CASE,
    "duplicate.lon": CASE,
    **{
        f"person_match.{key}": PUBLIC
        for key in (
            "tracking_no",
            "status",
            "category_code",
            "received_at",
            "subdistrict_code",
            "district_code",
            "province_code",
            "visible",
        )
    },
    # That this person complained, or was complained about, elsewhere: about a person.
    "person_match.role": PERSONAL,
    "person_match.matched_on": PERSONAL,
    # The person matches of a case, beside its place candidates (GET .../duplicates/).
    "page.people": PERSONAL,
    # --- the duplicates review of a district or province (issue 8, /duplicates/<code>/) -----
    **{
        f"review.{key}": PUBLIC
        for key in ("tracking_no", "received_at", "status", "category", "cases_elsewhere")
    },
    "review.score": CASE,
    # Who complained, or was complained about, again: about a person.
    "review.person_role": PERSONAL,
    "review.person_name": PERSONAL,
    # Which of the person's data repeats: citizen ID, phone or name.
    "review.matched_on": PERSONAL,
    # --- the receipt of a complaint recorded through POST /api/cases/ (issue 8) ------------
    # Its number, status and where it went (the routing); the candidates are ``duplicate``
    # rows, each shaped by ``shape_match``.
    **{
        f"intake.{key}": PUBLIC
        for key in (
            "tracking_no",
            "status",
            "received_at",
            "subdistrict_code",
            "subdistrict_name",
            "district_code",
            "district_name",
            "province_code",
            "province_name",
            "team_name",
            "inside_area",
            "duplicates",
            "duplicate_of",
        )
    },
    "intake.team": CASE,
    "intake.version": CASE,
    # --- boundaries per level and the category tree (public data, /api/boundaries/<level>/,
    # /api/categories/); ``boundaries``/``categories``: their collections' paging members ----
    **{
        f"boundary.{key}": PUBLIC
        for key in (
            "code",
            "name_th",
            "name_en",
            "province",
            "district",
            "population",
            "population_year",
            "area_km2",
            "geom_quality",
        )
    },
    "boundaries.count": PUBLIC,
    "boundaries.next": PUBLIC,
    "boundaries.previous": PUBLIC,
    **{
        f"category.{key}": PUBLIC
        for key in ("code", "name_th", "name_en", "is_other", "sla_days", "subcategories")
    },
    "categories.results": PUBLIC,
    # --- area search by name (boundaries.selectors.area_search): public geography ----------
    "areasearch.query": PUBLIC,
    "areasearch.results": PUBLIC,
    **{
        f"areahit.{key}": PUBLIC
        for key in (
            "level",
            "code",
            "name_th",
            "name_en",
            "district_name_th",
            "district_name_en",
            "province_name_th",
            "province_name_en",
            "score",
            "bbox",
            "lat",
            "lon",
        )
    },
    # --- complaints counted on a square grid (mapdata.complaint_grid): counts of cases, no
    # case in them, but a count of 1 places a case within a cell: officers' working data ------
    "grid.i": CASE,
    "grid.j": CASE,
    "grid.count": CASE,
    "grid.cell_m": CASE,
    "grid.srid": CASE,
    "grid.total": CASE,
    # --- an area's figures in a map popup (layers.metrics.derive) --------------------------
    **{
        f"maparea.{key}": CASE
        for key in (
            "complaints",
            "closed",
            "open_backlog",
            "overdue",
            "share_closed",
            "median_days_to_close",
            "per_10k",
            "on_target",
        )
    },
    # --- a search result (layers.selectors.search, issue 12): the case's public data, and the
    # texts that held the words found, highlighted, by the class of the field they come from --
    **{
        f"search.{key}": PUBLIC
        for key in (
            "tracking_no",
            "url",
            "status",
            "status_label",
            "category",
            "category_name",
            "subdistrict",
            "subdistrict_name",
            "district",
            "district_name",
            "province",
            "province_name",
            "received_at",
            "received_label",
        )
    },
    # Which fields matched ("citizen_id", "phone", "complainant_name"…): only fields the viewer
    # may search in are ever named (a GIS analyst's search never matches a person).
    "search.matched_on": CASE,
    "search.title_html": FREE_TEXT,
    "search.description_html": FREE_TEXT,
    "search.location_note_html": FREE_TEXT,
    "search.complainant_name_html": PERSONAL,
    "search.accused_name_html": PERSONAL,
    # The search's own answer: what was asked (the viewer's own words) and the paging.
    "searchpage.query": PUBLIC,
    "searchpage.words": PUBLIC,
    "searchpage.scope": PUBLIC,
    "searchpage.count": CASE,
    "searchpage.next": CASE,
    "searchpage.previous": CASE,
    "searchpage.results": CASE,
    # --- what a notification (in-app, e-mail) says about a case -----------------------------
    "notification.no": PUBLIC,
    "notification.category": PUBLIC,
    "notification.subdistrict": PUBLIC,
    "notification.district": PUBLIC,
    "notification.team": PUBLIC,
    "notification.url": PUBLIC,
    # --- the dashboards' area figures (/api/stats/…): aggregates by area, no case in them.
    # Codes, names, populations and the page's own words are public; the counts and what is
    # read from them (shares, medians, rates, classes and their bounds) are officers' working
    # data: small counts are fine for officers, and an open-data release decides its own
    # thresholds.
    **{
        f"stats.{key}": PUBLIC
        for key in (
            "code",
            "name_th",
            "name_en",
            "population",
            "parent",
            "level",
            "child_level",
            "metric",
            "metric_label",
            "area",
            "target",
            "as_of",
            "method",
            "inclusive",
            "center",
            "color",
            "no_data_color",
            "no_data_label",
            "key",
            "selected",
        )
    },
    **{
        f"stats.{key}": CASE
        for key in (
            "complaints",
            "closed",
            "share_closed",
            "on_target",
            "open_backlog",
            "overdue",
            "median_days_to_close",
            "per_10k",
            "value",
            "class",
            "classes",
            "intervals",
            "low",
            "high",
            "label",
            "total",
            "areas",
            "charts",
            "category",
            "month",
        )
    },
    # --- statistics pages (``data-field="stats.…"``) and the monthly report's columns -------
    # Counts, shares, days and area names: aggregates of areas, never a case or a person.
    # Officers' working data (small counts in a small area are not for the public).
    **{
        f"stats.{key}": CASE
        for key in (
            "complaints",
            "closed",
            "share_closed",
            "target",
            "on_target",
            "open_backlog",
            "overdue",
            "median_days_to_close",
            "per_10k",
            "age_band",
            "category",
            "status",
            "month",
            "area",
            "rank",
            "frozen_share_closed",
            "report",
        )
    },
    **{
        f"report.{key}": CASE
        for key in (
            "rank",
            "area_code",
            "area_name",
            "complaints",
            "closed",
            "share_closed",
            "target",
            "on_target",
            "open_backlog",
            "overdue",
            "median_days_to_close",
        )
    },
    # --- a boundary feature (OGC API – Features collections; public geography) -------------
    **{
        f"boundary.{key}": PUBLIC
        for key in (
            "code",
            "name_th",
            "name_en",
            "province_code",
            "district_code",
            "population",
            "population_year",
            "area_km2",
            "geom_quality",
        )
    },
    # --- Open311 GeoReport v2 (layers/selectors/open311.py): a service request ---------------
    # Partners read it as PARTNER_VIEWER; an officer as their own viewer.
    "open311.service_request_id": PUBLIC,  # the tracking number
    "open311.status": PUBLIC,  # open / closed
    # Written by the system from the status and the closing result: no one's words.
    "open311.status_notes": PUBLIC,
    "open311.service_code": PUBLIC,
    "open311.service_name": PUBLIC,
    "open311.description": FREE_TEXT,
    # The office holding the case (a team, a district centre, the level it was forwarded to):
    # working data, as the forwarding target is.
    "open311.agency_responsible": CASE,
    "open311.service_notice": PUBLIC,
    "open311.requested_datetime": PUBLIC,
    "open311.updated_datetime": PUBLIC,
    "open311.expected_datetime": CASE,  # the due date
    # The area's names (sub-district, district, province), never the typed place note.
    "open311.address": PUBLIC,
    "open311.address_id": PUBLIC,  # the sub-district code
    "open311.zipcode": PUBLIC,
    "open311.lat": CASE,
    "open311.long": CASE,
    "open311.media_url": ATTACHMENT,
    # What POST requests answers, and GET tokens/<token>.
    "open311receipt.service_request_id": PUBLIC,
    "open311receipt.token": CASE,
    "open311receipt.service_notice": PUBLIC,
    "open311receipt.account_id": PUBLIC,
    # Services (our categories), their definitions and attributes: public metadata.
    **{
        f"open311service.{key}": PUBLIC
        for key in (
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
            "attributes",
        )
    },
    **{
        f"open311attribute.{key}": PUBLIC
        for key in (
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values",
            "key",
            "name",
        )
    },
    "open311error.code": PUBLIC,
    "open311error.description": PUBLIC,
    # --- an anti-corruption tip (seed 000) -------------------------------------------------
    # The tipster's tracking page shows PUBLIC only: number, status words and dates, the level
    # handling it. Handlers (TIP_ROLE_CLASSES) see the rest of a tip of their area.
    "tip.tracking_no": PUBLIC,
    "tip.status": PUBLIC,
    "tip.status_label": PUBLIC,
    "tip.result_label": PUBLIC,
    "tip.received_at": PUBLIC,
    "tip.closed_at": PUBLIC,
    "tip.level_label": PUBLIC,
    "tip.timeline": PUBLIC,
    "tip.level": CASE,
    "tip.version": CASE,
    "tip.anonymous": CASE,
    "tip.accused_level_label": CASE,
    "tip.province_name": CASE,
    "tip.district_name": CASE,
    "tip.happened_on": CASE,
    "tip.files": ATTACHMENT,
    "tip.events": CASE,
    # Decrypted only here, for an entitled handler; never in a list, a notification or a log.
    "tip.tipster_name": PERSONAL,
    "tip.tipster_phone": PERSONAL,
    "tip.tipster_email": PERSONAL,
    "tip.accused_name": PERSONAL,
    "tip.accused_position": PERSONAL,
    "tip.accused_unit": FREE_TEXT,
    "tip.place_note": FREE_TEXT,
    "tip.description": FREE_TEXT,
    # A row of the tip's timeline; for the tipster only its date and status words.
    "tipevent.at": PUBLIC,
    "tipevent.kind_label": PUBLIC,
    "tipevent.to_label": PUBLIC,
    "tipevent.note": FREE_TEXT,
    "tipevent.actor": STAFF,
    # An evidence file.
    "tipfile.name": ATTACHMENT,
    "tipfile.size_bytes": ATTACHMENT,
    "tipfile.url": ATTACHMENT,
    # A row of the audit log (the centre reads it): who, when, which tip, which parts were
    # shown; never a value of the tip.
    "tipaudit.at": CASE,
    "tipaudit.tracking_no": CASE,
    "tipaudit.action_label": CASE,
    "tipaudit.shown": CASE,
    "tipaudit.officer": STAFF,
    # --- a webhook's body (layers/services/webhooks.py), shaped as WEBHOOK_VIEWER -----------
    "webhook.delivery_id": PUBLIC,
    "webhook.event": PUBLIC,
    "webhook.occurred_at": PUBLIC,
    "webhook.tracking_no": PUBLIC,
    "webhook.status": PUBLIC,
    "webhook.version": CASE,
    "webhook.category": PUBLIC,
    "webhook.subcategory": PUBLIC,
    "webhook.province": PUBLIC,
    "webhook.district": PUBLIC,
    "webhook.subdistrict": PUBLIC,
    "webhook.team": CASE,
    "webhook.team_name": PUBLIC,
    "webhook.forwarded_to": CASE,
    "webhook.close_result": PUBLIC,
    "webhook.channel": CASE,
    "webhook.received_at": PUBLIC,
    "webhook.due_at": CASE,
    "webhook.closed_at": PUBLIC,
    "webhook.lat": CASE,
    "webhook.lon": CASE,
    # --- a spreadsheet import (issue 12) and its rejected rows --------------------------------
    "import.id": CASE,
    "import.district": PUBLIC,
    "import.district_name": PUBLIC,
    # The file's name as the officer's computer had it: typed by a person.
    "import.file_name": FREE_TEXT,
    "import.kind": CASE,
    "import.status": CASE,
    "import.status_label": CASE,
    "import.total_rows": CASE,
    "import.rows_done": CASE,
    "import.percent": CASE,
    "import.created": CASE,
    "import.updated": CASE,
    "import.rejected": CASE,
    "import.created_at": CASE,
    "import.message": CASE,
    "import.officer": STAFF,
    "importrow.row_no": CASE,
    # The reasons quote what was typed (a reference, a date, a place's name).
    "importrow.reasons": FREE_TEXT,
    # The row's cells: names, citizen IDs, phones, descriptions.
    "importrow.values": PERSONAL,
    # --- closing the backlog in one act (issue 12) ----------------------------------------
    "bulkclose.selected": CASE,
    "bulkclose.closed": CASE,
    "bulkclose.refused": CASE,
    # --- news and activities (issue 11, layers/models/news.py): what a centre publishes on
    # purpose for everyone — the activity, who led it and took part (officials and partners
    # named by the centre), where and when, its text and photos (resized, EXIF stripped).
    # Public once published; a draft opens only to its centre (layers.selectors.news).
    **{
        f"news.{key}": PUBLIC
        for key in (
            "id",
            "url",
            "title",
            "leader",
            "participants",
            "activity_date",
            "activity_time",
            "place_name",
            "area",
            "area_code",
            "lat",
            "lon",
            "body",
            "photos",
            "published_at",
        )
    },
    # Whether it is a draft, published or unpublished: the centre's working data.
    "news.status": CASE,
    "news.status_label": CASE,
    # --- open data (issue 11, layers/selectors/opendata.py): aggregates of areas for anyone,
    # small counts suppressed before they get here; ``opendatafile``: a file's own metadata --
    **{
        f"opendata.{key}": PUBLIC
        for key in (
            "month",
            "month_start",
            "level",
            "area_code",
            "province_code",
            "area_name_th",
            "area_name_en",
            "category_code",
            "category_name_th",
            "category_name_en",
            "complaints",
            "closed",
            "open",
            "open_backlog",
            "share_closed",
            "target_percent",
            "on_target",
            "median_days_to_close",
        )
    },
    **{
        f"opendatafile.{key}": PUBLIC
        for key in (
            "title",
            "licence",
            "publisher",
            "updated",
            "months",
            "pending_months",
            "suppression",
            "fields",
            "rows",
            "metadata",
        )
    },
    # --- the public tracking page (issue 11), shaped as PUBLIC_VIEWER: a case as its
    # complainant sees it with the number and the PIN — status words, dates, areas, the unit
    # in charge, and nothing a person typed (no description, note, agency name or person) ---
    **{
        f"track.{key}": PUBLIC
        for key in (
            "tracking_no",
            "status",
            "status_label",
            "is_open",
            "category_name",
            "subcategory_name",
            "subdistrict_name",
            "district_name",
            "province_name",
            "received_at",
            "closed_at",
            "unit",
            "close_result_label",
            "timeline",
        )
    },
    # The words of an "Other" sub-category and the case's own texts stay off the page.
    "track.subcategory_text": FREE_TEXT,
    "track.description": FREE_TEXT,
    "track.close_note": FREE_TEXT,
    # The public part of the closing notes: what the closing officer wrote for the complainant.
    "track.close_note_public": PUBLIC,
    "track.complainant_name": PERSONAL,
    # A row of its public timeline: when, what (status words), the unit in charge.
    "timeline.at": PUBLIC,
    "timeline.event": PUBLIC,
    "timeline.status_label": PUBLIC,
    "timeline.unit": PUBLIC,
    # What the complainant added there (their own words: shown to officers, not back here).
    "timeline.note": FREE_TEXT,
}

# History values hold different things by kind of row. Those listed are codes or the names of
# offices; everything else (the agency a case was forwarded to or came back from, edits) is a
# person's typing and stays FREE_TEXT.
HISTORY_VALUE_CLASSES: dict[tuple[str, str], str] = {
    (HistoryKind.CREATED, "to_value"): CASE,  # the sub-district code
    (HistoryKind.ASSIGNED, "to_value"): CASE,  # the team's name
    (HistoryKind.REASSIGNED, "from_value"): CASE,  # the previous team's name
    (HistoryKind.REASSIGNED, "to_value"): CASE,
    (HistoryKind.RETURNED, "to_value"): CASE,  # the district code
    (HistoryKind.CLOSED, "to_value"): CASE,  # the result code
    (HistoryKind.REOPENED, "from_value"): CASE,  # the previous result code
    (HistoryKind.NOTE, "to_value"): CASE,  # "2 file(s)"
    (HistoryKind.DUPLICATE_DISMISSED, "to_value"): CASE,  # the other case's number
}


class UnclassifiedField(LookupError):
    """A field left the system that ``FIELD_CLASSES`` does not classify (a programming error)."""


def field_class(name: str) -> str:
    try:
        return FIELD_CLASSES[name]
    except KeyError:
        raise UnclassifiedField(
            f"{name!r} is not classified in layers.policy.FIELD_CLASSES: decide who may see it"
        ) from None


def history_value_class(kind: str, which: str) -> str:
    """The class of a history row's ``from_value`` or ``to_value`` for its kind."""
    return HISTORY_VALUE_CLASSES.get((kind, which), FREE_TEXT)


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the classes of fields they may see."""

    classes: frozenset[str]
    label: str = ""

    def sees_class(self, cls: str) -> bool:
        return cls in self.classes

    def sees(self, field: str) -> bool:
        return field_class(field) in self.classes

    @property
    def personal(self) -> bool:
        """Entitled to the people in a case (structured personal data)."""
        return PERSONAL in self.classes

    @property
    def withheld(self) -> list[str]:
        """The classes this viewer does not see, for the API's ``withheld`` marker."""
        return [c for c in (PERSONAL, FREE_TEXT, ATTACHMENT) if c not in self.classes]


PUBLIC_VIEWER = Viewer(frozenset({PUBLIC}), "public")
NOBODY = Viewer(frozenset(), "nobody")
# What goes out in notifications and e-mails (they leave the system: mail servers, phones):
# the case's public and working data, never a person, a free text or an officer's name.
NOTIFICATION_VIEWER = Viewer(frozenset({PUBLIC, CASE}), "notification")
# What the monthly reports carry (files kept and sent on: aggregates of areas only).
REPORT_VIEWER = Viewer(frozenset({PUBLIC, CASE}), "report")
# Other offices' systems (Open311 partners, webhook subscribers): the case's public and working
# data of their areas, never a person, a free text, a file or an officer's name. They are
# machines of other offices; what they store is out of our hands.
PARTNER_VIEWER = Viewer(frozenset({PUBLIC, CASE}), "partner")
WEBHOOK_VIEWER = Viewer(frozenset({PUBLIC, CASE}), "webhook")


# The tipster on the tracking page: the tip's public part only.
TIPSTER_VIEWER = Viewer(frozenset({PUBLIC}), "tipster")


def tip_viewer_for(officer) -> Viewer:
    """The viewer an officer is for tips: the union of their anti-corruption roles' classes;
    anybody else (superusers included: the channel is need-to-know) nothing."""
    if officer is None or not getattr(officer, "is_authenticated", False):
        return NOBODY
    classes: set[str] = set()
    for role in jurisdiction_for(officer).roles:
        classes |= TIP_ROLE_CLASSES.get(role, frozenset())
    return Viewer(frozenset(classes), "tip handler") if classes else NOBODY


def require_tip_handler(officer) -> Viewer:
    """The tip viewer of an anti-corruption officer; 403 for anyone else."""
    viewer = tip_viewer_for(officer)
    if viewer is NOBODY:
        raise Forbidden(_("Only the anti-corruption coordinators, reporters and centre see tips."))
    return viewer


def viewer_for(officer) -> Viewer:
    """The viewer an officer is: the union of their active roles' classes (cached per request
    with the jurisdiction). Not logged in, or no role: nothing."""
    if officer is None or not getattr(officer, "is_authenticated", False):
        return NOBODY
    if getattr(officer, "is_superuser", False):
        return Viewer(ENTITLED_CLASSES, "superuser")
    classes: set[str] = set()
    for role in jurisdiction_for(officer).roles:
        classes |= ROLE_CLASSES.get(role, frozenset())
    return Viewer(frozenset(classes), "officer") if classes else NOBODY


def shape(viewer: Viewer, namespace: str, data: dict) -> dict:
    """``data`` with every field the viewer may not see set to None.

    Raises ``UnclassifiedField`` for a key that ``FIELD_CLASSES`` does not know: adding a
    field to a response means classifying it here first.
    """
    out = {}
    for key, value in data.items():
        out[key] = value if viewer.sees(f"{namespace}.{key}") else None
    return out


# What an officer is told of a match (a suggested duplicate, a person match) in a case outside
# their jurisdiction (issue 8): its tracking number, district, province, date, category and
# status, never personal data or free text, nor where exactly it is (coordinates,
# sub-district, sub-category). With them, the comparison's own measures, which say how alike
# the two cases are and not what the other one holds: distance, days apart, score and
# "likely" for a place, which person field matched for a person (itself PERSONAL: a viewer
# without personal data gets no person matches at all). ``visible`` says whether the officer
# may open the case.
MATCH_OUTSIDE_FIELDS: dict[str, frozenset[str]] = {
    "duplicate": frozenset(
        {
            "tracking_no",
            "district_code",
            "province_code",
            "received_at",
            "category_code",
            "status",
            "visible",
            "distance_m",
            "days_apart",
            "score",
            "likely",
        }
    ),
    "person_match": frozenset(
        {
            "tracking_no",
            "district_code",
            "province_code",
            "received_at",
            "category_code",
            "status",
            "visible",
            "role",
            "matched_on",
        }
    ),
}


def shape_match(viewer: Viewer, namespace: str, data: dict, *, visible: bool) -> dict:
    """A match as ``viewer`` may see it: ``shape``, and for a case the viewer may not open
    (``visible`` False) only ``MATCH_OUTSIDE_FIELDS``."""
    out = shape(viewer, namespace, {**data, "visible": visible})
    if not visible:
        allowed = MATCH_OUTSIDE_FIELDS[namespace]
        out = {key: (value if key in allowed else None) for key, value in out.items()}
    return out


def history_shape(viewer: Viewer, row: dict) -> dict:
    """A history row (``history.*`` keys) with its values withheld by kind."""
    out = shape(viewer, "history", {k: v for k, v in row.items() if not k.endswith("_value")})
    for which in ("from_value", "to_value"):
        if which in row:
            field_class(f"history.{which}")  # classified (as free text by default)
            cls = history_value_class(row.get("kind", ""), which)
            out[which] = row[which] if viewer.sees_class(cls) else None
    return out


def require_fields(viewer: Viewer, namespace: str, keys) -> None:
    """Check once, before streaming many rows, that every column is classified and visible to
    the viewer (an export must not carry what its reader may not see)."""
    hidden = [k for k in keys if not viewer.sees(f"{namespace}.{k}")]
    if hidden:
        raise Forbidden(_("Your role may not export these fields: %s.") % ", ".join(hidden))


# --- Withheld values on pages ----------------------------------------------------------------


class _Withheld:
    """What a page shows instead of a value its reader may not see: a marked, muted phrase.

    Django's templates turn a value into ``str`` before escaping it, so ``__str__`` itself
    gives the (safe) markup; ``text()`` gives the words alone."""

    def __bool__(self):
        return True  # the row is shown, saying that its value is withheld

    def text(self) -> str:
        return str(_("withheld for your role"))

    def __str__(self):
        return format_html('<span class="muted small withheld">{}</span>', self.text())

    __html__ = __str__


WITHHELD = _Withheld()


class View:
    """An object as a page shows it to one viewer: ``view.<field>`` is the value, or
    ``WITHHELD`` for a field the viewer may not see; a field nobody classified raises
    ``UnclassifiedField`` (the page fails, in the tests first). Templates get views, never the
    bare model, so that nothing reaches a page without passing the table.

    ``derived`` computes fields that are not attributes of the object (labels, names of
    related rows, coordinates, nested views): each is called with the object and the viewer.
    """

    def __init__(self, viewer: Viewer, obj, *, namespace: str, derived: dict | None = None):
        self._viewer = viewer
        self._obj = obj
        self._namespace = namespace
        self._derived = derived or {}

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if not self._viewer.sees(f"{self._namespace}.{name}"):
            return WITHHELD
        if name in self._derived:
            return self._derived[name](self._obj, self._viewer)
        return getattr(self._obj, name)

    def __getitem__(self, name: str):
        return self.__getattr__(name)


def _name(attr: str, related: str, field: str = "name_th"):
    def read(obj, viewer=None):
        if getattr(obj, attr, None) is None:
            return ""
        return getattr(getattr(obj, related), field)

    return read


CASE_DERIVED = {
    "status_label": lambda c, v: c.get_status_display(),
    "channel_label": lambda c, v: c.get_channel_display(),
    "forwarded_to_label": lambda c, v: c.get_forwarded_to_display() if c.forwarded_to else "",
    "close_result_label": lambda c, v: c.get_close_result_display() if c.close_result else "",
    "category_name": _name("category_id", "category"),
    "subcategory_name": _name("subcategory_id", "subcategory"),
    "subdistrict_name": _name("subdistrict_id", "subdistrict"),
    "district_name": _name("district_id", "district"),
    "province_name": _name("province_id", "province"),
    "team": lambda c, v: c.assigned_team_id,
    "team_name": _name("assigned_team_id", "assigned_team", "name"),
    "overdue": lambda c, v: is_overdue(c, now=timezone.now()),
    "lat": lambda c, v: c.location.y,
    "lon": lambda c, v: c.location.x,
}


def case_view(viewer: Viewer, case) -> View:
    return View(viewer, case, namespace="case", derived=CASE_DERIVED)


NOTE_DERIVED = {
    "author": lambda n, v: n.author.get_full_name() or n.author.masked_citizen_id,
    "visit_lat": lambda n, v: n.visit_location.y if n.visit_location else None,
    "visit_lon": lambda n, v: n.visit_location.x if n.visit_location else None,
    "attachments": lambda n, v: [attachment_view(v, a) for a in n.attachments.all()],
}


def note_view(viewer: Viewer, note) -> View:
    return View(viewer, note, namespace="note", derived=NOTE_DERIVED)


ATTACHMENT_DERIVED = {
    "id": lambda a, v: a.pk,
    "name": lambda a, v: a.original_name,
    "kind_label": lambda a, v: a.get_kind_display(),
}


def attachment_view(viewer: Viewer, attachment) -> View:
    return View(viewer, attachment, namespace="attachment", derived=ATTACHMENT_DERIVED)


def _page_segments(page, viewer):
    """A page's text in pieces, the numbers and dates read by OCR marked for checking."""
    from layers.thaitext import ocr_flags

    if page.method != "ocr":
        return [(page.text, False)]
    pieces, at = [], 0
    for flag in ocr_flags(page.text):
        start = flag["at"]
        if start < at:
            continue
        pieces.append((page.text[at:start], False))
        pieces.append((flag["text"], True))
        at = start + len(flag["text"])
    pieces.append((page.text[at:], False))
    return [p for p in pieces if p[0]]


PAGE_DERIVED = {
    "method_label": lambda p, v: p.get_method_display(),
    "segments": _page_segments,
}


def page_view(viewer: Viewer, page) -> View:
    return View(viewer, page, namespace="docpage", derived=PAGE_DERIVED)


DOCUMENT_DERIVED = {
    "id": lambda d, v: d.pk,
    "name": lambda d, v: d.original_name,
    "status_label": lambda d, v: d.get_status_display(),
    "method_label": lambda d, v: d.get_method_display() if d.method else "",
    "district_code": lambda d, v: d.district_id,
    "district_name": lambda d, v: d.district.name_th,
    "pages": lambda d, v: [page_view(v, p) for p in d.pages.all()],
}


def document_view(viewer: Viewer, document) -> View:
    return View(viewer, document, namespace="document", derived=DOCUMENT_DERIVED)


def history_view(viewer: Viewer, entry) -> dict:
    """A history entry for a page: its values, or ``WITHHELD``."""
    row = {
        "kind": entry.kind,
        "from_value": entry.from_value,
        "to_value": entry.to_value,
        "note": entry.note,
        "actor": entry.actor.get_full_name() if entry.actor_id else "",
    }
    shaped = history_shape(viewer, row)
    return {key: (WITHHELD if shaped[key] is None and row[key] else shaped[key]) for key in row}


# --- What each action requires ---------------------------------------------------------------

# Who records complaints (seed 001: the district centre's officers; the province and central
# levels take complaints too). Executives (governor, district chief) and GIS analysts read;
# team members work the cases routed to them.
INTAKE_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER, Role.CENTRAL_OFFICER})


def may_record(officer) -> bool:
    """Whether the officer may record a new complaint (intake: form, API, imports by hand)."""
    if officer is None or not getattr(officer, "is_authenticated", False):
        return False
    return bool(jurisdiction_for(officer).roles & INTAKE_ROLES) or officer.is_superuser


def require_record(officer) -> None:
    if not may_record(officer):
        raise Forbidden(_("Only district, province and central officers record cases."))


def may_read_attachments(officer) -> bool:
    """Photos and scanned letters show people and their papers."""
    return viewer_for(officer).sees_class(ATTACHMENT)


def sees_personal_data(officer) -> bool:
    """Whether the officer is entitled to the people in a case (and their free text)."""
    return viewer_for(officer).personal


def isoformat(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
