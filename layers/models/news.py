"""News and activities (ข่าวกิจกรรม, issue 11): district and province centres publish their
field activities — name, leader, participants, date, time, place (a point on the map), photos
and text. A post belongs to one area (a district, or a province as a whole); its officers
write drafts, publish and unpublish (``layers.services.news``); the public reads what is
published (``layers.selectors.news``)."""

import uuid

from django.conf import settings
from django.contrib.gis.db import models as gis
from django.db import models
from django.utils.translation import gettext_lazy as _


class NewsStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    UNPUBLISHED = "unpublished", _("unpublished")


class NewsPost(models.Model):
    province = models.ForeignKey(
        "boundaries.Province",
        on_delete=models.PROTECT,
        related_name="+",
        db_column="province_code",
    )
    # Empty: the province centre's own post.
    district = models.ForeignKey(
        "boundaries.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_column="district_code",
    )
    title = models.CharField(_("activity"), max_length=200)
    leader = models.CharField(_("led by"), max_length=200)
    participants = models.TextField(_("participants"), blank=True)
    activity_date = models.DateField(_("date"))
    activity_time = models.TimeField(_("time"), null=True, blank=True)
    place_name = models.CharField(_("place"), max_length=255)
    location = gis.PointField(_("location"), srid=4326)
    body = models.TextField(_("text"))
    status = models.CharField(
        max_length=16, choices=NewsStatus.choices, default=NewsStatus.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("news post")
        verbose_name_plural = _("news posts")
        ordering = ["-activity_date", "-id"]
        indexes = [
            models.Index(fields=["status", "-activity_date"], name="news_public_list"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="news_published_has_time",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def area_code(self) -> str:
        return self.district_id or self.province_id

    @property
    def is_published(self) -> bool:
        return self.status == NewsStatus.PUBLISHED


def news_photo_path(instance, filename):
    # No names in paths: the post's id and a random name.
    return f"news/{instance.post_id}/{uuid.uuid4().hex}.jpg"


class NewsPhoto(models.Model):
    """A photo of a post, resized and re-encoded as JPEG; its EXIF is dropped, unless the
    officer kept the location on purpose (``kept_location``: the GPS tags only)."""

    post = models.ForeignKey(NewsPost, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=news_photo_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    kept_location = models.BooleanField(default=False)
    sort_order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self):
        return f"{self.post_id}/{self.pk}"
