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
from layers.models import Complaint
from layers.policy import document_view, may_read_attachments, require_record, viewer_for
from layers.selectors.documents import inbox_document_get
from layers.selectors.intake import category_tree, intake_base_labels, intake_base_map
from layers.selectors.scope import complaints_visible_to, jurisdiction_for
from layers.services.routing import routing_explain


def _require_recorder(request):
    require_record(request.user)


def intake_outcome(*, complaint: Complaint, officer) -> dict:
    """What the officer is told after saving: where the case went, and whether it left their
    area (a pin outside their district is accepted and goes to the district holding it).

    "Outside" is asked of the scope (``covers_area``), so that a province officer pinning in
    another province is told too, not only a district officer outside their district.
    """
    routed = routing_explain(complaint=complaint, officer=officer)
    inside = not routed.outside_actor_district and jurisdiction_for(officer).covers_area(
        province=complaint.province_id,
        district=complaint.district_id,
        subdistrict=complaint.subdistrict_id,
    )
    names = {
        "tracking_no": routed.tracking_no,
        "subdistrict": routed.subdistrict_name,
        "district": routed.district_name,
        "province": routed.province_name,
        "team": routed.team_name,
    }
    if not inside:
        text = (
            _(
                "Saved as %(tracking_no)s. The incident lies outside your area, so the case "
                "was sent to the %(district)s district centre (%(province)s province)."
            )
            % names
        )
    elif not routed.to_district_queue:
        text = _("Saved as %(tracking_no)s and assigned to %(team)s.") % names
    else:
        text = (
            _(
                "Saved as %(tracking_no)s. Sub-district %(subdistrict)s has no team, so the "
                "case waits in the %(district)s district centre's queue."
            )
            % names
        )
    return {"inside_area": inside, "text": text, **names}


@login_required
def intake_new(request):
    _require_recorder(request)
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES)
        complaint = form.save(officer=request.user)
        if complaint is not None:
            outcome = intake_outcome(complaint=complaint, officer=request.user)
            level = messages.SUCCESS if outcome["inside_area"] else messages.WARNING
            messages.add_message(request, level, outcome["text"])
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
    context = {
        "complaint": complaint,
        "outcome": intake_outcome(complaint=complaint, officer=request.user),
        "case_url": reverse("case_detail", args=[complaint.tracking_no]) if visible else None,
    }
    return render(request, "maps/intake/done.html", context)
