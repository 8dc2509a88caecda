"""The citizen's side (issue 11): the public home, filing a complaint online, tracking it.

Thin views: the forms and services decide (``layers.forms.public``,
``layers.services.tracking``), what the tracking page shows is shaped by the policy as the
public viewer (``layers.selectors.tracking``). No page here needs an account; none shows
another case than the one whose number and PIN were typed.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from boundaries.models import Province
from boundaries.selectors import area_labels
from layers.errors import ApplicationError, InvalidInput, NotFound, Throttled
from layers.forms.public import PUBLIC_PHOTO_LIMIT, AddInformationForm, PublicFilingForm, TrackForm
from layers.lockout import client_address
from layers.models import Complaint
from layers.selectors.anticorruption import is_tip_number
from layers.selectors.intake import base_map_geojson, category_tree
from layers.selectors.tracking import public_case
from layers.services.tracking import complainant_add, pin_format, tracking_open
from maps.views import anticorruption as anticorruption_views

# Session keys: the receipt of a filing (shown once), the case opened with number + PIN.
FILED_KEY = "public_filed"
TRACK_KEY = "public_track"

PROVINCE_TOLERANCE = 0.01


def public_home(request):
    """``/`` for the public: file a complaint, follow one, and the officers' login."""
    return render(request, "maps/public/home.html", {})


def _filing_context(form) -> dict:
    return {
        "form": form,
        "base_map": base_map_geojson(
            Province.objects.all(), tolerance=PROVINCE_TOLERANCE, level="province"
        ),
        "base_labels": area_labels(Province.objects.all(), level="province"),
        "categories": category_tree(),
        "lookup_url": reverse("api:boundaries-lookup"),
        "max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "retention_years": settings.PUBLIC_RETENTION_YEARS,
        "photo_limit": PUBLIC_PHOTO_LIMIT,
    }


@never_cache
def file_new(request):
    if request.method == "POST":
        form = PublicFilingForm(request.POST, request.FILES)
        complaint = form.save(address=client_address(request))
        if complaint is not None:
            request.session[FILED_KEY] = {
                "tracking_no": complaint.tracking_no,
                "pin": complaint.pin,
            }
            # The complainant may follow it at once without typing the PIN again.
            request.session[TRACK_KEY] = complaint.pk
            return redirect("public_file_done")
        status = 429 if getattr(form, "throttled", None) else 400
    elif request.method == "GET":
        form = PublicFilingForm()
        status = 200
    else:
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "maps/public/file.html", _filing_context(form), status=status)


@never_cache
def file_done(request):
    """The receipt: the tracking number and the PIN, shown this once."""
    filed = request.session.pop(FILED_KEY, None)
    if not filed:
        return redirect("public_track")
    case = Complaint.objects.filter(tracking_no=filed["tracking_no"]).first()
    context = {
        "tracking_no": filed["tracking_no"],
        "pin": pin_format(filed["pin"]),
        "case": public_case(case) if case else None,
    }
    return render(request, "maps/public/file_done.html", context)


@never_cache
def track(request):
    """Number + PIN → the case (kept in the session), or the same refusal for a wrong number
    and a wrong PIN; a number locked after too many wrong PINs says so."""
    error = None
    status = 200
    if request.method == "POST":
        if is_tip_number(request.POST.get("tracking_no", "")):
            # An anti-corruption tip's number (its own prefix): followed on its channel's
            # page, with the same answer for a wrong number and a wrong PIN.
            tip = request.POST.copy()
            tip["number"] = tip.pop("tracking_no")[0]
            request.POST = tip
            return anticorruption_views.tip_track(request)
        form = TrackForm(request.POST)
        if form.is_valid():
            try:
                case = tracking_open(
                    tracking_no=form.cleaned_data["tracking_no"],
                    pin=form.cleaned_data["pin"],
                    address=client_address(request),
                )
            except (NotFound, Throttled) as exc:
                error = exc.message
                status = 429 if isinstance(exc, Throttled) else 404
            else:
                request.session[TRACK_KEY] = case.pk
                return redirect("public_track_case")
        else:
            status = 400
    elif request.method == "GET":
        form = TrackForm()
    else:
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "maps/public/track.html", {"form": form, "error": error}, status=status)


def _tracked(request) -> Complaint | None:
    pk = request.session.get(TRACK_KEY)
    if not isinstance(pk, int):
        return None
    return (
        Complaint.objects.select_related("category", "subcategory", "assigned_team")
        .filter(pk=pk)
        .first()
    )


def _case_page(request, case, form, *, status=200, added=False):
    return render(
        request,
        "maps/public/track_case.html",
        {"case": public_case(case), "form": form, "added": added},
        status=status,
    )


@never_cache
def track_case(request):
    """The case opened with its number and PIN in this browser session."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    case = _tracked(request)
    if case is None:
        return redirect("public_track")
    added = bool(request.session.pop("public_track_added", False))
    return _case_page(request, case, AddInformationForm(), added=added)


@never_cache
def track_add(request):
    """The complainant adds information or photos to their open case."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case = _tracked(request)
    if case is None:
        return redirect("public_track")
    form = AddInformationForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            complainant_add(
                complaint=case,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["attachments"],
            )
        except InvalidInput as exc:
            for key, messages in exc.fields.items():
                for message in messages:
                    form.add_error("attachments" if key == "files" else "text", message)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            request.session["public_track_added"] = True
            return redirect("public_track_case")
    return _case_page(request, case, form, status=400)


@never_cache
def track_leave(request):
    """Forget the case in this browser (a shared phone)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    request.session.pop(TRACK_KEY, None)
    return redirect("public_track")
