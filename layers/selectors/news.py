"""Reading news (issue 11): the public reads published posts; the officers of a post's area
also read its drafts (``layers.services.news.may_manage``). Anything else is "not found"."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from boundaries.models import District, Province
from layers.errors import NotFound
from layers.models import NewsPhoto, NewsPost, NewsStatus
from layers.services.news import may_manage, news_areas


def published_news(*, area: str | None = None) -> QuerySet:
    """Published posts, newest activity first; of a province (2 digits: its own posts and
    its districts') or a district (4)."""
    qs = NewsPost.objects.filter(status=NewsStatus.PUBLISHED).select_related("province", "district")
    if area:
        qs = qs.filter(province_id=area) if len(area) == 2 else qs.filter(district_id=area)
    return qs.defer("province__geom", "district__geom").prefetch_related("photos")


def news_area_get(code: str):
    """The province or district of ``/news/<code>/`` (``NotFound`` otherwise)."""
    code = str(code or "")
    model = {2: Province, 4: District}.get(len(code))
    area = (
        model.objects.filter(code=code).only("code", "name_th", "name_en").first()
        if model
        else None
    )
    if area is None:
        raise NotFound(_("There is no province or district with the code %s.") % code[:12])
    return area


def news_get(*, viewer, pk: int) -> NewsPost:
    """A post the viewer may read: published, or of their area."""
    post = (
        NewsPost.objects.filter(pk=pk)
        .select_related("province", "district")
        .defer("province__geom", "district__geom")
        .first()
    )
    if post is None or not (post.is_published or may_manage(viewer, post)):
        raise NotFound(_("There is no such news."))
    return post


def news_photo_get(*, viewer, pk: int) -> NewsPhoto:
    photo = NewsPhoto.objects.filter(pk=pk).select_related("post").first()
    if photo is None or not (photo.post.is_published or may_manage(viewer, photo.post)):
        raise NotFound(_("There is no such photo."))
    return photo


def news_managed_by(officer) -> QuerySet:
    """Every post of the officer's areas, drafts included, newest first."""
    districts, provinces = news_areas(officer)
    return (
        (
            NewsPost.objects.filter(province_id__in=provinces)
            | NewsPost.objects.filter(district_id__in=districts)
        )
        .select_related("province", "district")
        .defer("province__geom", "district__geom")
        .order_by("-updated_at", "-id")
    )
