"""Intake: the officer records a complaint pinned on the map (issue 3, "Intake")."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from boundaries.selectors import without_geoms
from layers.errors import NotFound
from layers.forms.intake import IntakeForm
from layers.models import Complaint, Status
from layers.policy import document_view, may_read_attachments, require_record, viewer_for
from layers.selectors.documents import inbox_document_get
from layers.selectors.intake import category_tree, intake_base_labels, intake_base_map
from layers.selectors.scope import complaints_visible_to
from layers.services.routing import intake_outcome
from layers.services.tracking import pin_format

INTAKE_PIN_KEY = "intake_pin"


def _require_recorder(request):
    require_record(request.user)


@login_required
def intake_new(request):
    _require_recorder(request)
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES)
        complaint = form.save(officer=request.user)
        if complaint is not None:
            outcome = intake_outcome(complaint=complaint, officer=request.user)
            level = messages.SUCCESS if outcome["inside_area"] else messages.WARNING
            if complaint.duplicate_of_id:
                # Linked at intake: closed at once, routed nowhere.
                messages.success(
                    request,
                    _("Linked to %(no)s as the same matter: the new case is closed as a duplicate.")
                    % {"no": complaint.duplicate_of.tracking_no},
                )
            else:
                messages.add_message(request, level, outcome["text"])
            # The complainant's PIN, shown once on the receipt (only its hash is kept).
            request.session[INTAKE_PIN_KEY] = {
                "tracking_no": complaint.tracking_no,
                "pin": complaint.pin,
            }
            return redirect("intake_done", tracking_no=complaint.tracking_no)
        status = 400
    elif request.method == "GET":
        form = IntakeForm(initial={"document": request.GET.get("document") or None})
        status = 200
    else:
        return HttpResponseNotAllowed(["GET", "POST"])
    context = {
        "form": form,
        "base_map": intake_base_map(officer=request.user),
        "base_labels": intake_base_labels(officer=request.user),
        "categories": category_tree(),
        # The boundaries API: any officer with a role may look any point up.
        "lookup_url": reverse("api:boundaries-lookup"),
        # Issue 8: similar complaints as the officer pins and types, a person's other cases
        # as soon as the citizen ID is typed (what each shows is the API's policy).
        "duplicates_url": reverse("api:cases-duplicates"),
        "people_url": reverse("api:people-matches"),
        "case_url_prefix": reverse("case_detail", args=["0"])[:-2],
        "status_labels": {value: str(label) for value, label in Status.choices},
        "max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "inbox_document": _inbox_document(request, form),
    }
    return render(request, "maps/intake/new.html", context, status=status)


def _inbox_document(request, form):
    """The inbox letter the complaint is recorded from (``?document=<id>``), for the officer
    to read beside the form; None when there is none or it is not theirs to see."""
    value = form.data.get("document") if form.is_bound else form.initial.get("document")
    if not value or not may_read_attachments(request.user):
        return None
    try:
        document = inbox_document_get(officer=request.user, document_id=value)
    except NotFound:
        return None
    return document_view(viewer_for(request.user), document)


@login_required
def intake_done(request, tracking_no: str):
    """The receipt of a case the officer has just recorded: its number and where it went.

    Found by author, not by area, because a case pinned outside the officer's district is
    routed away and is no longer in their scope; the receipt shows no personal data. The link
    to the case page is offered only when the scope still lets them open it.
    """
    _require_recorder(request)
    complaint = get_object_or_404(
        without_geoms(
            Complaint.objects.select_related("assigned_team"), "subdistrict", "district", "province"
        ),
        tracking_no=tracking_no,
        created_by=request.user,
    )
    visible = complaints_visible_to(officer=request.user).filter(pk=complaint.pk).exists()
    given = request.session.get(INTAKE_PIN_KEY) or {}
    pin = None
    if given.get("tracking_no") == complaint.tracking_no:
        pin = pin_format(request.session.pop(INTAKE_PIN_KEY)["pin"])
    context = {
        "complaint": complaint,
        "pin": pin,
        "outcome": intake_outcome(complaint=complaint, officer=request.user),
        "case_url": reverse("case_detail", args=[complaint.tracking_no]) if visible else None,
    }
    return render(request, "maps/intake/done.html", context)
