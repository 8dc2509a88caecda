"""The anti-corruption channel's pages (issue 11, seed 000).

Public: ``/anticorruption/`` (file a tip, anonymous or named; the number and PIN are shown once,
in the answer to the POST, never in a URL) and ``/anticorruption/track/`` (number + PIN).
Handlers (the province's coordinators, the district's reporter, the centre): the list of their
tips, a tip with its actions and evidence, and for the centre the audit log. Every read of a
tip writes an audit row; the policy (``layers.policy.tip_viewer_for``) decides what shows.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from layers import policy
from layers.errors import ApplicationError, Forbidden, InvalidInput, NotFound, Throttled
from layers.forms.anticorruption import TipForm, TrackForm
from layers.lockout import client_address
from layers.models import TipAuditAction, TipResult
from layers.selectors import anticorruption as sel
from layers.services import anticorruption as svc

PAGE_SIZE = 50


# --- Public ---------------------------------------------------------------------------------------


def _tip_form_page(request, form, *, status=200, error=""):
    return render(
        request,
        "maps/anticorruption/new.html",
        {
            "form": form,
            "error": error,
            "max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@never_cache
def tip_new(request):
    if request.method == "GET":
        return _tip_form_page(request, TipForm())
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    form = TipForm(request.POST, request.FILES)
    if not form.is_valid():
        return _tip_form_page(request, form, status=400)
    try:
        receipt = svc.tip_file(
            data=form.cleaned_data,
            files=form.cleaned_data.get("files"),
            address=client_address(request),
        )
    except InvalidInput as exc:
        for field, messages in exc.fields.items():
            form.add_error(field if field in form.fields else None, messages)
        if not exc.fields:
            form.add_error(None, exc.message)
        return _tip_form_page(request, form, status=400)
    except Throttled as exc:
        return _tip_form_page(request, form, status=429, error=exc.message)
    # The PIN is shown here once and kept nowhere in clear: not in a URL, not in the session.
    return render(
        request,
        "maps/anticorruption/done.html",
        {"receipt": receipt, "level_label": svc.TipLevel(receipt.level).label},
    )


@never_cache
def tip_track(request):
    if request.method == "GET":
        return render(request, "maps/anticorruption/track.html", {"form": TrackForm()})
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    form = TrackForm(request.POST)
    context = {"form": form}
    status = 200
    if form.is_valid():
        try:
            tracked = sel.tip_for_tracking(
                form.cleaned_data["number"],
                form.cleaned_data["pin"],
                address=client_address(request),
            )
        except Throttled as exc:
            context["error"] = exc.message
            status = 429
        else:
            if tracked is None:
                # The same words for a wrong number and a wrong PIN.
                context["error"] = _("The tracking number or the PIN is not right.")
            else:
                context["tip"] = tracked.view
    else:
        status = 400
    return render(request, "maps/anticorruption/track.html", context, status=status)


# --- Handlers -------------------------------------------------------------------------------------


@login_required
def tip_list(request):
    viewer = policy.require_tip_handler(request.user)
    page = Paginator(
        sel.tips_visible_to(officer=request.user).order_by("-received_at", "-pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = [sel.tip_view(viewer, t) for t in page]
    sel.audit_write(
        tip_ids=[t.pk for t in page],
        officer=request.user,
        action=TipAuditAction.LISTED,
        shown=sel.shown_parts(viewer, sel.LIST_FIELDS),
    )
    return render(
        request,
        "maps/anticorruption/list.html",
        {"page": page, "rows": rows, "audit": sel.may_read_audit(request.user)},
    )


@login_required
def tip_detail(request, tracking_no: str):
    viewer = policy.require_tip_handler(request.user)
    tip = sel.tip_get(officer=request.user, tracking_no=tracking_no)
    sel.audit_write(
        tip_ids=[tip.pk],
        officer=request.user,
        action=TipAuditAction.VIEWED,
        shown=sel.shown_parts(viewer, sel.DETAIL_FIELDS),
    )
    return _detail_page(request, viewer, tip)


def _detail_page(request, viewer, tip, *, status=200, error=""):
    return render(
        request,
        "maps/anticorruption/detail.html",
        {
            "tip": sel.tip_view(viewer, tip),
            "obj": tip,
            "results": TipResult.choices,
            "error": error,
            "may_escalate": tip.level != "centre" and tip.status != "closed",
        },
        status=status,
    )


@login_required
def tip_action(request, tracking_no: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    viewer = policy.require_tip_handler(request.user)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        tip = svc.tip_act(
            officer=request.user,
            tracking_no=tracking_no,
            action=request.POST.get("action", ""),
            version=version,
            note=request.POST.get("note", "")[:5000],
            result=request.POST.get("result", ""),
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        tip = sel.tip_get(officer=request.user, tracking_no=tracking_no)
        sel.audit_write(
            tip_ids=[tip.pk],
            officer=request.user,
            action=TipAuditAction.VIEWED,
            shown=sel.shown_parts(viewer, sel.DETAIL_FIELDS),
        )
        return _detail_page(request, viewer, tip, status=exc.status, error=exc.message)
    # Sent up out of the officer's own area: the list, not a page they may no longer open.
    if sel.tips_visible_to(officer=request.user).filter(pk=tip.pk).exists():
        return redirect("anticorruption_tip", tracking_no=tip.tracking_no)
    return redirect("anticorruption_tips")


@login_required
def tip_evidence(request, tracking_no: str, pk: int):
    viewer = policy.require_tip_handler(request.user)
    if not viewer.sees_class(policy.ATTACHMENT):
        raise Forbidden()
    tip = sel.tip_get(officer=request.user, tracking_no=tracking_no)
    item = tip.files.filter(pk=pk).first()
    if item is None:
        raise NotFound(_("No such file."))
    try:
        handle = item.file.open("rb")
    except OSError:
        raise NotFound(_("The file is missing.")) from None
    sel.audit_write(
        tip_ids=[tip.pk], officer=request.user, action=TipAuditAction.FILE, shown=f"file {pk}"
    )
    inline = item.content_type.startswith("image/") or item.content_type == "application/pdf"
    response = FileResponse(
        handle,
        content_type=item.content_type,
        as_attachment=not inline,
        filename=item.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def tip_audit(request):
    if not sel.may_read_audit(request.user):
        raise Forbidden(_("Only the anti-corruption centre reads the audit log."))
    viewer = policy.tip_viewer_for(request.user)
    number = request.GET.get("tip", "")[:30]
    page = Paginator(sel.audit_rows(officer=request.user, tracking_no=number), 100).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "maps/anticorruption/audit.html",
        {
            "page": page,
            "rows": [sel.audit_row_view(viewer, row) for row in page],
            "number": number,
            "list_url": reverse("anticorruption_tips"),
        },
    )
