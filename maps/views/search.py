"""The search page (issue 12): ``/search/?q=…`` — one box for officers, with filters.

Thin over ``layers.selectors.search`` (the jurisdiction scope and the policy decide what is
found and shown). A bad parameter re-shows the form with what was typed and a Thai message
(400); an officer with no role gets a 403 page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from boundaries.models import District, Province
from layers import policy
from layers.errors import Forbidden, InvalidInput
from layers.inputs import whole_number
from layers.models import Category, Status
from layers.selectors import search as sel
from layers.selectors.scope import jurisdiction_for, subdistricts_visible_to

FORM_FIELDS = ("q", "province", "district", "category", "status", "since", "until")


def _areas(officer):
    """The provinces and districts the officer may filter by (their own areas)."""
    subs = subdistricts_visible_to(officer=officer)
    provinces = Province.objects.filter(code__in=subs.values("district__province_id")).order_by(
        "code"
    )
    districts = District.objects.filter(code__in=subs.values("district_id")).order_by("code")
    return list(provinces.values("code", "name_th")), list(districts.values("code", "name_th"))


@login_required
@require_GET
def search_page(request):
    if jurisdiction_for(request.user).is_empty:
        raise Forbidden(_("Your account has no role with an area yet."))
    viewer = policy.viewer_for(request.user)
    typed = {k: request.GET.get(k, "") for k in FORM_FIELDS}
    provinces, districts = _areas(request.user)
    context = {
        "typed": typed,
        "errors": {},
        "rows": [],
        "asked": False,
        "public_only": not sel.matches_people(viewer),
        "provinces": provinces,
        "districts": districts,
        "categories": Category.objects.filter(parent=None, is_active=True).values(
            "code", "name_th"
        ),
        "statuses": Status.choices,
    }
    if not any(request.GET.get(k) for k in request.GET.keys() if k != "page"):
        return render(request, "maps/search.html", context)
    status = 200
    try:
        req = sel.search_request_from_params(request.GET, also=("page",))
        page = 1
        if request.GET.get("page"):
            page = whole_number(
                request.GET["page"], field="page", message=_("page is a whole number from 1.")
            )
            if not 1 <= page <= sel.MAX_PAGE:
                raise InvalidInput({"page": _("page is a whole number from 1.")})
        result = sel.case_search(
            officer=request.user, req=req, offset=(page - 1) * sel.PAGE_SIZE, limit=sel.PAGE_SIZE
        )
    except InvalidInput as exc:
        context["errors"] = {k: v[0] for k, v in exc.fields.items()}
        status = 400
    else:
        last = max(1, -(-result.count // sel.PAGE_SIZE))
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            asked=True,
            count=result.count,
            words=req.words,
            rows=[sel.search_row(viewer, c, req) for c in result.rows],
            page=page,
            last=last,
            base_query=query.urlencode(),
        )
    return render(request, "maps/search.html", context, status=status)


__all__ = ["search_page"]
