"""The complaint (เรื่องร้องเรียนร้องทุกข์), its category tree and its tracking number."""

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import F, FloatField, Func, Q
from django.utils.translation import gettext_lazy as _

from layers.validators import validate_citizen_id, validate_thai_phone


class Category(models.Model):
    """Main categories (parent is null) and their sub-categories.

    When no category fits, the officer picks the main category "เรื่องอื่นๆ" (``is_other``)
    and writes the sub-category in words (seed 001, item 2).
    """

    code = models.SlugField(max_length=40, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name_th = models.CharField(_("Thai name"), max_length=160)
    name_en = models.CharField(_("English name"), max_length=160)
    is_other = models.BooleanField(
        _("'Other' category (sub-category written in words)"), default=False
    )
    # Days to close (SLA); a sub-category without its own takes its main category's.
    sla_days = models.PositiveSmallIntegerField(_("days to close (SLA)"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Duplicates (issue 8): a complaint of this main category is a candidate duplicate of
    # another within this distance and this many days (layers/selectors/duplicates.py). Only
    # main categories' values are read.
    duplicate_radius_m = models.PositiveIntegerField(
        _("duplicate radius (metres)"),
        default=250,
        validators=[MinValueValidator(1), MaxValueValidator(5000)],
        help_text=_("Complaints of this main category within this distance may be duplicates."),
    )
    duplicate_window_days = models.PositiveSmallIntegerField(
        _("duplicate window (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Complaints of this main category within this many days may be duplicates."),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name_th

    @property
    def effective_sla_days(self):
        if self.sla_days is not None:
            return self.sla_days
        return self.parent.sla_days if self.parent_id else None


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("walk-in")
    PHONE = "phone", _("phone")
    LETTER = "letter", _("letter")
    ONLINE = "online", _("online")
    HOTLINE_1567 = "hotline_1567", _("1567 hotline")


class Status(models.TextChoices):
    RECEIVED = "received", _("received")
    ASSIGNED = "assigned", _("assigned")
    IN_PROGRESS = "in_progress", _("in progress")
    FORWARDED = "forwarded", _("forwarded")
    CLOSED = "closed", _("closed")


OPEN_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS, Status.FORWARDED)


class ForwardTarget(models.TextChoices):
    PROVINCE = "province", _("the province centre")
    CENTRAL = "central", _("the central level (DOPA)")
    AGENCY = "agency", _("another agency")


class CloseResult(models.TextChoices):
    RESOLVED = "resolved", _("resolved")
    NOT_RESOLVABLE = "not_resolvable", _("not resolvable")
    WITHDRAWN = "withdrawn", _("withdrawn")
    DUPLICATE = "duplicate", _("duplicate")
    OUTSIDE_JURISDICTION = "outside_jurisdiction", _("outside jurisdiction")


class TrackingCounter(models.Model):
    """Last tracking sequence issued in a Buddhist-Era year: one row per year, locked to issue."""

    year_be = models.PositiveIntegerField(primary_key=True)
    last_seq = models.PositiveIntegerField(default=0)


class Complaint(models.Model):
    # "2569-0000123": B.E. year and a sequence that restarts every year (unique per year).
    tracking_no = models.CharField(_("tracking number"), max_length=16, unique=True)
    tracking_year = models.PositiveIntegerField(_("tracking year (B.E.)"))
    tracking_seq = models.PositiveIntegerField()

    location = models.PointField(_("incident location"), srid=4326)
    # The point in metres (EPSG:32647, UTM 47N), kept by PostgreSQL from ``location``: the
    # maps' hexagon grid counts a million cases on these plain numbers without projecting
    # each point again (layers.selectors.mapdata, "Complaints on a hexagon grid").
    grid_x = models.GeneratedField(
        expression=Func(Transform("location", 32647), function="ST_X", output_field=FloatField()),
        output_field=models.FloatField(),
        db_persist=True,
    )
    grid_y = models.GeneratedField(
        expression=Func(Transform("location", 32647), function="ST_Y", output_field=FloatField()),
        output_field=models.FloatField(),
        db_persist=True,
    )
    # Set from the point at intake by area_for_point (the subdivided lookup table).
    subdistrict = models.ForeignKey(
        "boundaries.Subdistrict",
        on_delete=models.PROTECT,
        related_name="complaints",
        db_column="subdistrict_code",
    )
    district = models.ForeignKey(
        "boundaries.District",
        on_delete=models.PROTECT,
        related_name="complaints",
        db_column="district_code",
    )
    province = models.ForeignKey(
        "boundaries.Province",
        on_delete=models.PROTECT,
        related_name="complaints",
        db_column="province_code",
    )
    location_note = models.CharField(_("place description"), max_length=255, blank=True)
    # Imported without coordinates (issue 12): placed at its sub-district's point on surface.
    # Maps say so, and the proximity duplicate check leaves such points out.
    location_approximate = models.BooleanField(
        _("approximate location"), default=False, db_default=False
    )
    # The row's reference in the district's own records (an imported spreadsheet's reference
    # column, or the file's digest and row number): a re-import updates the case it made.
    source_reference = models.CharField(
        _("source reference"), max_length=120, blank=True, db_default=""
    )

    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="complaints",
        limit_choices_to={"parent": None},
    )
    subcategory = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="subcomplaints"
    )
    subcategory_text = models.CharField(_("sub-category (in words)"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)

    # Personal data: only roles entitled to it see these (see api/ and maps/ serializers).
    complainant_name = models.CharField(_("complainant name"), max_length=200)
    complainant_citizen_id = models.CharField(
        _("complainant citizen ID"), max_length=13, blank=True, validators=[validate_citizen_id]
    )
    complainant_phone = models.CharField(
        _("complainant phone"), max_length=20, blank=True, validators=[validate_thai_phone]
    )
    complainant_address = models.CharField(_("complainant address"), max_length=300, blank=True)
    # Left on the public filing form (issue 11): where the tracking PIN is sent.
    complainant_email = models.EmailField(
        _("complainant e-mail"), max_length=254, blank=True, db_default=""
    )
    accused_name = models.CharField(_("accused party"), max_length=200, blank=True)
    accused_detail = models.CharField(_("accused party details"), max_length=300, blank=True)
    # Comparison columns (issue 8, layers/identity.py), written with the values by intake, the
    # demo data and imports. Citizen IDs and phones are matched through a keyed hash (HMAC with
    # PERSON_MATCH_KEY), never through an index of the values; names in normalised form.
    complainant_cid_hash = models.CharField(max_length=64, blank=True, editable=False)
    complainant_phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    complainant_name_norm = models.CharField(max_length=200, blank=True, editable=False)
    accused_name_norm = models.CharField(max_length=200, blank=True, editable=False)

    title = models.CharField(_("subject"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    # The description as duplicates are compared (layers.thaitext.normalize_text: PyThaiNLP's
    # normalize, Thai digits as Arabic, lower case, single spaces), by pg_trgm similarity.
    description_norm = models.TextField(blank=True, editable=False)

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    received_at = models.DateTimeField(_("received at"))
    status_changed_at = models.DateTimeField(_("status changed at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    close_result = models.CharField(
        _("result"), max_length=24, choices=CloseResult.choices, blank=True
    )
    close_note = models.TextField(_("closing note"), blank=True)
    # What the complainant reads of the closing on the tracking page (issue 11): written by the
    # officer for the public, beside the internal closing note.
    close_note_public = models.TextField(
        _("closing note for the complainant"), blank=True, db_default=""
    )
    forwarded_to = models.CharField(
        _("forwarded to"), max_length=16, choices=ForwardTarget.choices, blank=True
    )
    forwarded_agency = models.CharField(_("receiving agency"), max_length=200, blank=True)

    # Closed as a duplicate of another case (issue 8: "mark as duplicate of"); the original's
    # page counts the cases pointing to it ("also reported by N"). Cleared when reopened.
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="also_reported",
        verbose_name=_("duplicate of"),
    )
    # The sub-district team that works the case; null = the district centre's own queue.
    assigned_team = models.ForeignKey(
        "layers.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints"
    )
    created_by = models.ForeignKey(
        "layers.Officer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The complainant's tracking PIN (issue 11), given once and kept only as a keyed hash
    # (layers.services.tracking.pin_digest); empty for cases recorded before PINs existed.
    # A database default too: bulk writers (the demo data, imports) that name the columns
    # they know leave it empty, and such a case has no PIN until one is issued.
    pin_hash = models.CharField(max_length=64, blank=True, editable=False, db_default="")
    # Optimistic concurrency: every update carries the version it saw (HTTP 409 when stale).
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tracking_year", "tracking_seq"], name="tracking_unique_per_year"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(close_result=""), name="closed_has_result"
            ),
            models.UniqueConstraint(
                fields=["district", "source_reference"],
                condition=~Q(source_reference=""),
                name="complaint_source_ref_per_district",
            ),
        ]
        indexes = [
            # The maps' hexagon grid (layers.selectors.mapdata): the national map reads the
            # projected coordinates from this index alone, a province's map a range of it.
            models.Index(fields=["province", "grid_x", "grid_y"], name="complaint_grid_xy"),
            # Province/district dashboards and monthly reports: counts by month per area.
            models.Index(fields=["province", "received_at"], name="complaint_prov_recv"),
            models.Index(fields=["district", "received_at"], name="complaint_dist_recv"),
            models.Index(fields=["subdistrict", "status"], name="complaint_subd_status"),
            # The dashboards' and statistics' figures (layers.metrics) by area: everything the
            # aggregates and their filters read, so that PostgreSQL answers from the index
            # alone (an index-only scan) instead of visiting the wide rows.
            models.Index(
                fields=["province", "district", "subdistrict"],
                include=["status", "category", "channel", "received_at", "closed_at", "due_at"],
                name="complaint_figures",
            ),
            # Backlog and overdue lists per team / district, oldest first: open cases only.
            models.Index(
                fields=["assigned_team", "received_at"],
                name="complaint_team_open",
                condition=~Q(status="closed"),
            ),
            models.Index(
                fields=["district", "due_at"],
                name="complaint_dist_open_due",
                condition=~Q(status="closed"),
            ),
            # Duplicates by place (issue 8): metres on the spheroid through the geography of
            # the point; layers/selectors/duplicates.py queries ``location::geography``, the
            # same expression. Geography against a metric projection: bench/README.md.
            GistIndex(
                Func(
                    F("location"),
                    function="geography",
                    output_field=models.PointField(geography=True, srid=4326),
                ),
                name="complaint_location_geog",
            ),
            # The same person across areas: keyed hashes, and names by trigram.
            models.Index(
                fields=["complainant_cid_hash"],
                name="complaint_cid_hash",
                condition=~Q(complainant_cid_hash=""),
            ),
            models.Index(
                fields=["complainant_phone_hash"],
                name="complaint_phone_hash",
                condition=~Q(complainant_phone_hash=""),
            ),
            GinIndex(
                fields=["complainant_name_norm"],
                opclasses=["gin_trgm_ops"],
                name="complaint_name_trgm",
                # Intake inserts one row at a time: a short pending list keeps every search
                # from scanning up to 4 MB of not-yet-merged entries between vacuums.
                gin_pending_list_limit=256,
                condition=~Q(complainant_name_norm=""),
            ),
            GinIndex(
                fields=["accused_name_norm"],
                opclasses=["gin_trgm_ops"],
                name="complaint_accused_trgm",
                # Intake inserts one row at a time: a short pending list keeps every search
                # from scanning up to 4 MB of not-yet-merged entries between vacuums.
                gin_pending_list_limit=256,
                condition=~Q(accused_name_norm=""),
            ),
        ]

    def __str__(self):
        return self.tracking_no

    @property
    def is_open(self):
        return self.status != Status.CLOSED
