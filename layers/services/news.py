"""Writing news (issue 11): drafts, photos, publish and unpublish, by the officers of the
post's area.

Who writes: district officers for their district, province officers for their province (its
own posts and its districts'). Nobody else — not executives, not analysts, not the central
level (``NEWS_ROLES``); outside their area a post "does not exist" for them (404), so that a
draft is never seen beyond its centre.

Photos are re-encoded with Pillow: turned upright by their EXIF orientation, fitted within
``NEWS_PHOTO_MAX_SIDE`` pixels and saved as JPEG **without EXIF** — a phone's photo carries
where it was taken (GPS) and the phone's make and serial; only when the officer keeps the
location on purpose are the GPS tags (and nothing else) written back.
"""

from __future__ import annotations

import io
import logging
from datetime import date, time

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from boundaries.models import District, Province
from boundaries.selectors import area_for_point
from layers.errors import Forbidden, InvalidInput
from layers.inputs import decimal_value, text_value
from layers.models import NewsPhoto, NewsPost, NewsStatus, Role
from layers.selectors.scope import jurisdiction_for

logger = logging.getLogger(__name__)

NEWS_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER})
NEWS_PHOTO_MAX_SIDE = 1600
NEWS_PHOTO_QUALITY = 85
NEWS_MAX_PHOTOS = 10
# Pillow refuses images above this many pixels (decompression bombs): 50 megapixels.
Image.MAX_IMAGE_PIXELS = 50_000_000
LIMITS = {
    "title": 200,
    "leader": 200,
    "participants": 2_000,
    "place_name": 255,
    "body": 20_000,
}


def news_areas(officer) -> tuple[frozenset[str], frozenset[str]]:
    """(districts, provinces) the officer writes news for."""
    j = jurisdiction_for(officer)
    return (
        j.by_role.get(Role.DISTRICT_OFFICER, frozenset()),
        j.by_role.get(Role.PROVINCE_OFFICER, frozenset()),
    )


def may_write_news(officer) -> bool:
    districts, provinces = news_areas(officer)
    return bool(districts or provinces)


def require_news_writer(officer) -> None:
    if not may_write_news(officer):
        raise Forbidden(_("News is written by the district and province centres' officers."))


def may_manage(officer, post: NewsPost) -> bool:
    districts, provinces = news_areas(officer)
    return post.province_id in provinces or (
        post.district_id is not None and post.district_id in districts
    )


def area_choices(officer) -> list[tuple[str, str]]:
    """The areas the officer may post for: (code, Thai label)."""
    districts, provinces = news_areas(officer)
    out = [(p.code, f"จ.{p.name_th}") for p in Province.objects.filter(code__in=provinces)]
    rows = District.objects.filter(code__in=districts) | District.objects.filter(
        province_id__in=provinces
    )
    out += [(d.code, f"อ.{d.name_th}") for d in rows.order_by("code").only("code", "name_th")]
    return sorted(out)


def _date(value) -> date:
    try:
        return date.fromisoformat(text_value(value, field="activity_date", required=True))
    except ValueError:
        raise InvalidInput({"activity_date": _("Pick the date of the activity.")}) from None


def _time(value) -> time | None:
    text = text_value(value, field="activity_time", limit=8)
    if not text:
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise InvalidInput({"activity_time": _("Write the time as HH:MM.")}) from None


def _clean(officer, data) -> dict:
    """The post's fields from a form, or ``InvalidInput`` naming every bad field."""
    errors: dict = {}
    out: dict = {}

    def take(name, fn):
        try:
            out[name] = fn()
        except InvalidInput as exc:
            errors.update(exc.fields)

    for name in ("title", "leader", "place_name", "body"):
        take(
            name,
            lambda name=name: text_value(
                data.get(name), field=name, required=True, limit=LIMITS[name]
            ),
        )
    take(
        "participants",
        lambda: text_value(data.get("participants"), field="participants", limit=2_000),
    )
    take("activity_date", lambda: _date(data.get("activity_date")))
    take("activity_time", lambda: _time(data.get("activity_time")))
    take("lat", lambda: decimal_value(data.get("lat"), field="lat", low=5.0, high=21.0))
    take("lon", lambda: decimal_value(data.get("lon"), field="lon", low=97.0, high=106.0))
    area = str(data.get("area") or "")
    if area not in dict(area_choices(officer)):
        errors["area"] = [_("Pick one of your areas.")]
    else:
        out["area"] = area
    if not errors:
        found = area_for_point(point=Point(out["lon"], out["lat"], srid=4326))
        inside = found.inside and (
            found.district_code == area if len(area) == 4 else found.province_code == area
        )
        if not inside:
            errors["lat"] = [_("The place on the map lies outside the area of the news.")]
    if errors:
        raise InvalidInput(errors)
    return out


def _apply(post: NewsPost, cleaned: dict) -> None:
    area = cleaned.pop("area")
    post.province_id = area[:2]
    post.district_id = area if len(area) == 4 else None
    post.location = Point(cleaned.pop("lon"), cleaned.pop("lat"), srid=4326)
    for name, value in cleaned.items():
        setattr(post, name, value)


def photo_prepare(upload, *, keep_location: bool = False) -> tuple[bytes, int, int]:
    """The photo as we keep it: upright, at most ``NEWS_PHOTO_MAX_SIDE`` px, JPEG, no EXIF
    (GPS tags only when ``keep_location``). ``InvalidInput`` for what is not a photo."""
    name = str(getattr(upload, "name", "") or "photo")[-80:]
    size = getattr(upload, "size", None) or 0
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise InvalidInput(
            {"photos": _("“%(name)s” is larger than the limit per photo.") % {"name": name}}
        )
    try:
        upload.seek(0)
        source = Image.open(upload)
        source.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise InvalidInput(
            {"photos": _("“%(name)s” is not a JPEG, PNG or WebP photo.") % {"name": name}}
        ) from None
    if source.format not in ("JPEG", "PNG", "WEBP"):
        raise InvalidInput(
            {"photos": _("“%(name)s” is not a JPEG, PNG or WebP photo.") % {"name": name}}
        )
    gps = source.getexif().get_ifd(ExifTags.IFD.GPSInfo) if keep_location else {}
    image = ImageOps.exif_transpose(source)
    image.thumbnail((NEWS_PHOTO_MAX_SIDE, NEWS_PHOTO_MAX_SIDE))
    image = image.convert("RGB")
    out = io.BytesIO()
    options = {"quality": NEWS_PHOTO_QUALITY, "optimize": True}
    if gps:
        exif = Image.Exif()
        exif[ExifTags.IFD.GPSInfo] = gps
        options["exif"] = exif.tobytes()
    image.save(out, "JPEG", **options)
    return out.getvalue(), image.width, image.height


@transaction.atomic
def news_save(
    *, officer, data, photos=(), keep_location: bool = False, post: NewsPost | None = None
) -> NewsPost:
    """Create a draft (``post`` None) or change a post of the officer's area; add photos."""
    require_news_writer(officer)
    if post is not None and not may_manage(officer, post):
        raise Forbidden(_("This news belongs to another area."))
    cleaned = _clean(officer, data)
    photos = [p for p in photos or () if p is not None]
    existing = post.photos.count() if post is not None and post.pk else 0
    if existing + len(photos) > NEWS_MAX_PHOTOS:
        raise InvalidInput({"photos": _("At most %(n)d photos per news.") % {"n": NEWS_MAX_PHOTOS}})
    prepared = [photo_prepare(p, keep_location=keep_location) for p in photos]
    if post is None:
        post = NewsPost(created_by=officer, status=NewsStatus.DRAFT)
    _apply(post, cleaned)
    post.save()
    for order, (content, width, height) in enumerate(prepared, start=existing):
        photo = NewsPhoto(
            post=post,
            width=width,
            height=height,
            kept_location=bool(keep_location),
            sort_order=order,
        )
        photo.image.save("photo.jpg", ContentFile(content), save=False)
        photo.save()
    logger.info("news %s saved (%d photo(s) added)", post.pk, len(prepared))
    return post


@transaction.atomic
def news_set_status(*, officer, post: NewsPost, action: str) -> NewsPost:
    """``publish`` or ``unpublish`` a post of the officer's area."""
    require_news_writer(officer)
    post = NewsPost.objects.select_for_update().get(pk=post.pk)
    if not may_manage(officer, post):
        raise Forbidden(_("This news belongs to another area."))
    if action == "publish":
        post.status = NewsStatus.PUBLISHED
        post.published_at = post.published_at or timezone.now()
    elif action == "unpublish":
        post.status = NewsStatus.UNPUBLISHED
    else:
        raise InvalidInput({"action": _("Publish or unpublish.")})
    post.save(update_fields=["status", "published_at", "updated_at"])
    logger.info("news %s %s", post.pk, post.status)
    return post
