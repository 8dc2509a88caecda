"""News and activities (issue 11): the public list (all, per province, per district) with a
map, a page per post, its photos, the RSS and Atom feeds; and the centres' pages to write
drafts, publish and unpublish. Thin: ``layers.selectors.news`` reads, ``layers.services.news``
writes; every post leaves through ``layers.policy`` as the public sees it."""

from __future__ import annotations

from branca.element import MacroElement
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from folium.template import Template

from boundaries.models import District
from boundaries.selectors import areas_geojson, districts_geojson, province_bounds
from layers import policy
from layers.errors import InvalidInput, NotFound
from layers.models import NewsPost
from layers.selectors import news as sel
from layers.services import news as svc
from layers.thaidate import format_be_date
from maps import mapkit

PAGE_SIZE = 20
THAILAND = (97.3, 5.6, 105.7, 20.5)
NEWS_JS = "maps/news.js"


def area_label(post) -> str:
    if post.district_id:
        prefix = "เขต" if post.province_id == "10" else "อ."
        return f"{prefix}{post.district.name_th} จ.{post.province.name_th}"
    return f"จ.{post.province.name_th}"


def news_row(post, *, viewer=policy.PUBLIC_VIEWER) -> dict:
    """A post as ``viewer`` may see it (``news.*`` fields)."""
    data = {
        "id": post.pk,
        "url": reverse("news_detail", args=[post.pk]),
        "title": post.title,
        "leader": post.leader,
        "participants": post.participants,
        "activity_date": format_be_date(post.activity_date),
        "activity_time": post.activity_time.strftime("%H:%M น.") if post.activity_time else "",
        "place_name": post.place_name,
        "area": area_label(post),
        "area_code": post.area_code,
        "lat": round(post.location.y, 6),
        "lon": round(post.location.x, 6),
        "body": post.body,
        "photos": [reverse("news_photo", args=[p.pk]) for p in post.photos.all()],
        "published_at": format_be_date(post.published_at, with_time=True),
        "status": post.status,
        "status_label": post.get_status_display(),
    }
    return policy.shape(viewer, "news", data)


class _NewsPoints(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        DamrongNews.points({{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}
        """
    )

    def __init__(self, options):
        super().__init__()
        self._name = "DamrongNews"
        self.options_json = mapkit.script_json(options)


def _area_bounds(code: str | None):
    if not code or not isinstance(code, str):
        return None
    if len(code) == 2:
        return province_bounds(code=code)
    from django.contrib.gis.db.models import Extent

    return District.objects.filter(code=code).aggregate(e=Extent("geom"))["e"]


def area_shapes(code: str | None) -> dict | None:
    """The polygons drawn under the posts: a province's districts, or a district."""
    if not code or not isinstance(code, str) or len(code) not in (2, 4) or not code.isdigit():
        return None
    if len(code) == 2:
        return districts_geojson(province=code, tolerance=0.0005, precision=5)
    return areas_geojson(District.objects.filter(code=code), tolerance=0.0005, precision=5)


def news_map(rows: list[dict], *, bounds=None, area: str | None = None):
    m = mapkit.offline_map(bounds=bounds or THAILAND, extra_js=[("damrong_news", static(NEWS_JS))])
    shapes = area_shapes(area)
    if shapes and shapes["features"]:
        mapkit.AreaLayer(
            shapes,
            name=_("Areas"),
            key="areas",
            css_class="damrong-news-area",
            tooltip="{name_th}",
            attribution=mapkit.BOUNDARY_ATTRIBUTION,
        ).add_to(m)
    points = [
        {k: r[k] for k in ("lat", "lon", "title", "url", "activity_date", "place_name")}
        for r in rows
    ]
    m.add_child(_NewsPoints({"points": points, "fit": bounds is None, "key": "news"}))
    return mapkit.map_parts(m)


def _list(request, *, area=None):
    qs = sel.published_news(area=area.code if area is not None else None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [news_row(p) for p in page.object_list]
    bounds = _area_bounds(area.code) if area is not None else None
    provinces = (
        NewsPost.objects.filter(status="published")
        .values_list("province_id", "province__name_th")
        .distinct()
        .order_by("province_id")
    )
    title = _("News and activities")
    if area is not None:
        prefix = "จ." if len(area.code) == 2 else "อ."
        title = _("News and activities, %(area)s") % {"area": f"{prefix}{area.name_th}"}
    return render(
        request,
        "maps/news/list.html",
        {
            "title": title,
            "rows": rows,
            "page": page,
            "map": news_map(rows, bounds=bounds, area=area.code if area else None)
            if rows
            else None,
            "provinces": list(provinces),
            "area": area,
        },
    )


@require_GET
def news_list(request):
    return _list(request)


@require_GET
def news_area(request, code: str):
    return _list(request, area=sel.news_area_get(code))


@require_GET
def news_detail(request, pk: int):
    post = sel.news_get(viewer=request.user, pk=pk)
    # Its own centre reads a draft, with its status (working data: the officer's view).
    viewer = policy.PUBLIC_VIEWER if post.is_published else policy.viewer_for(request.user)
    row = news_row(post, viewer=viewer)
    return render(
        request,
        "maps/news/detail.html",
        {
            "post": row,
            "draft": not post.is_published,
            "may_manage": svc.may_manage(request.user, post),
            "map": news_map([row], bounds=_around(post), area=post.area_code),
            "area_url": reverse("news_area", args=[post.area_code]),
        },
    )


def _around(post, pad: float = 0.02):
    x, y = post.location.x, post.location.y
    return (x - pad, y - pad, x + pad, y + pad)


@require_GET
def news_photo(request, pk: int):
    photo = sel.news_photo_get(viewer=request.user, pk=pk)
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    # Published photos may be cached by anyone; a draft's only by the officer's browser.
    response["Cache-Control"] = (
        "public, max-age=3600" if photo.post.is_published else "private, no-store"
    )
    return response


class NewsFeed(Feed):
    """RSS 2.0 of the latest published news (``/news/feed/``)."""

    description_template = None

    def title(self):
        return _("Damrongdhama Center news and activities")

    def link(self):
        return reverse("news_list")

    def description(self):
        return _("Field activities published by the district and province centres.")

    def items(self):
        return sel.published_news()[:30]

    def item_title(self, item):
        return policy.shape(policy.PUBLIC_VIEWER, "news", {"title": item.title})["title"]

    def item_description(self, item):
        row = policy.shape(
            policy.PUBLIC_VIEWER,
            "news",
            {
                "activity_date": format_be_date(item.activity_date),
                "place_name": item.place_name,
                "area": area_label(item),
                "body": item.body,
            },
        )
        return f"{row['activity_date']} · {row['place_name']} ({row['area']})\n\n{row['body']}"

    def item_link(self, item):
        return reverse("news_detail", args=[item.pk])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at


class NewsAtomFeed(NewsFeed):
    """The same as Atom 1.0 (``/news/feed/atom/``)."""

    feed_type = Atom1Feed

    def subtitle(self):
        return self.description()


news_feed = require_GET(NewsFeed())
news_feed_atom = require_GET(NewsAtomFeed())


# --- The centres' pages ---------------------------------------------------------------------

FORM_FIELDS = (
    "area",
    "title",
    "leader",
    "participants",
    "activity_date",
    "activity_time",
    "place_name",
    "lat",
    "lon",
    "body",
)


@login_required
@require_GET
def news_manage(request):
    svc.require_news_writer(request.user)
    posts = sel.news_managed_by(request.user)
    rows = [news_row(p, viewer=policy.viewer_for(request.user)) for p in posts[:200]]
    for row, post in zip(rows, posts[:200], strict=False):
        row["edit_url"] = reverse("news_edit", args=[post.pk])
    return render(request, "maps/news/manage.html", {"rows": rows})


def _form_page(request, *, post=None, values=None, errors=None, status=200):
    if values is None:
        values = {}
        if post is not None:
            values = {
                "area": post.area_code,
                "title": post.title,
                "leader": post.leader,
                "participants": post.participants,
                "activity_date": post.activity_date.isoformat(),
                "activity_time": post.activity_time.strftime("%H:%M") if post.activity_time else "",
                "place_name": post.place_name,
                "lat": f"{post.location.y:.6f}",
                "lon": f"{post.location.x:.6f}",
                "body": post.body,
            }
    areas = svc.area_choices(request.user)
    area = values.get("area") or (areas[0][0] if areas else None)
    m = mapkit.offline_map(
        bounds=_area_bounds(area) or THAILAND, extra_js=[("damrong_news", static(NEWS_JS))]
    )
    shapes = area_shapes(area)
    if shapes and shapes["features"]:
        mapkit.AreaLayer(
            shapes,
            name=_("Areas"),
            key="areas",
            css_class="damrong-news-area",
            tooltip="{name_th}",
            attribution=mapkit.BOUNDARY_ATTRIBUTION,
        ).add_to(m)
    m.add_child(_NewsPicker({"lat": "id_lat", "lon": "id_lon"}))
    return render(
        request,
        "maps/news/form.html",
        {
            "post": post,
            "row": news_row(post, viewer=policy.viewer_for(request.user)) if post else None,
            "values": values,
            "errors": errors or {},
            "areas": areas,
            "map": mapkit.map_parts(m),
            "max_photos": svc.NEWS_MAX_PHOTOS,
        },
        status=status,
    )


class _NewsPicker(_NewsPoints):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        DamrongNews.picker({{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}
        """
    )


def _save(request, post=None):
    data = {k: request.POST.get(k, "") for k in FORM_FIELDS}
    try:
        post = svc.news_save(
            officer=request.user,
            data=data,
            photos=request.FILES.getlist("photos"),
            keep_location=request.POST.get("keep_location") == "on",
            post=post,
        )
    except InvalidInput as exc:
        return _form_page(request, post=post, values=data, errors=exc.fields, status=400)
    messages.success(request, _("The news was saved."))
    return redirect("news_edit", pk=post.pk)


@login_required
def news_new(request):
    svc.require_news_writer(request.user)
    if request.method == "POST":
        return _save(request)
    return _form_page(request)


def _managed(request, pk) -> NewsPost:
    svc.require_news_writer(request.user)
    post = NewsPost.objects.filter(pk=pk).first()
    if post is None or not svc.may_manage(request.user, post):
        raise NotFound(_("There is no such news."))
    return post


@login_required
def news_edit(request, pk: int):
    post = _managed(request, pk)
    if request.method == "POST":
        return _save(request, post)
    return _form_page(request, post=post)


@login_required
@require_POST
def news_status(request, pk: int):
    post = _managed(request, pk)
    post = svc.news_set_status(officer=request.user, post=post, action=request.POST.get("action"))
    messages.success(
        request,
        _("The news is published.") if post.is_published else _("The news is no longer public."),
    )
    return redirect("news_edit", pk=post.pk)
