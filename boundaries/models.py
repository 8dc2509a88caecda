"""Thailand's administrative areas with DOPA codes, and the subdivided lookup table.

The codes are the primary keys. They are DOPA's own identifiers (2, 4 and 6 digits), stable
across re-loads, and what every other table, URL and export refers to: a complaint row carries
``subdistrict_id = '490101'`` rather than a surrogate number that changes when the boundaries
are reloaded.
"""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class GeomQuality(models.TextChoices):
    FULL = "full", _("full resolution")
    # Nine provinces' tambon-to-tambon lines rebuilt from a coarse layer (about 400 m accuracy);
    # see the boundaries data README, "Processing", step 2.
    RECONSTRUCTED = "reconstructed", _("reconstructed (about 400 m accuracy)")


class Area(models.Model):
    code = models.CharField(_("DOPA code"), max_length=6, primary_key=True)
    name_th = models.CharField(_("Thai name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(
        _("population year (C.E.)"), null=True, blank=True
    )
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True)
    geom_quality = models.CharField(
        _("geometry quality"), max_length=16, choices=GeomQuality.choices, default=GeomQuality.FULL
    )

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name_th}"


class Province(Area):
    geom = models.MultiPolygonField(srid=4326, null=True, blank=True)

    class Meta(Area.Meta):
        verbose_name = _("province")
        verbose_name_plural = _("provinces")


class District(Area):
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="districts")
    geom = models.MultiPolygonField(srid=4326, null=True, blank=True)

    class Meta(Area.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")


class Subdistrict(Area):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="subdistricts")
    # Denormalised so that province-level filters need no join through districts.
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="subdistricts")
    # Thirteen current geothai codes have no polygon of their own (new Bangkok khwaeng); they
    # are stored without geometry and point at the polygon that covers them.
    geom = models.MultiPolygonField(srid=4326, null=True, blank=True)
    covered_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For a code without a polygon of its own: the polygon that contains it."),
    )
    in_geothai = models.BooleanField(_("current DOPA code (in geothai)"), default=True)
    # Abolished codes keep their polygon; their successors are listed here (space-separated).
    successor_codes = models.CharField(_("successor codes"), max_length=80, blank=True)
    source_pcode = models.CharField(_("source P-code"), max_length=10, blank=True)
    source_name_th = models.CharField(max_length=120, blank=True)
    source_name_en = models.CharField(max_length=120, blank=True)

    class Meta(Area.Meta):
        verbose_name = _("sub-district")
        verbose_name_plural = _("sub-districts")


class SubdistrictPiece(models.Model):
    """One ``ST_Subdivide`` piece of a sub-district polygon, for point look-ups.

    A sub-district polygon has up to thousands of vertices; a point-in-polygon test against it
    walks them all. Cut into pieces of at most ``BOUNDARIES_SUBDIVIDE_MAX_VERTICES`` vertices,
    the GiST index narrows a look-up to one or two small pieces (MapIt's GeometrySubdivided).
    Filled by the boundary loader, never by ``save()``. District and province codes are copied
    here so that a look-up is a single index scan with no join. Each process also holds the
    pieces in memory for look-ups (``boundaries.point_index``); a trigger stamps every change
    in ``boundaries_lookup_version`` (migration 0003) so that those copies are read again.
    """

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="pieces")
    district_code = models.CharField(max_length=4)
    province_code = models.CharField(max_length=2)
    # The names are copied too: a look-up that joins three area tables spends more time
    # planning the join than finding the piece (measured from Python on the national data:
    # 0.49 ms with the joins, 0.12 ms without). The loader rewrites every piece on each load,
    # so the copies cannot drift from the area tables.
    subdistrict_name_th = models.CharField(max_length=120, blank=True)
    subdistrict_name_en = models.CharField(max_length=120, blank=True)
    district_name_th = models.CharField(max_length=120, blank=True)
    district_name_en = models.CharField(max_length=120, blank=True)
    province_name_th = models.CharField(max_length=120, blank=True)
    province_name_en = models.CharField(max_length=120, blank=True)
    geom_quality = models.CharField(max_length=16, choices=GeomQuality.choices, blank=True)
    geom = models.GeometryField(srid=4326)

    class Meta:
        verbose_name = _("sub-district lookup piece")


class BoundaryLoad(models.Model):
    """One run of the boundary loader: where from, a fingerprint of the files, what it loaded.

    Lets ``./damrong run`` skip a re-load when the files are unchanged, and tells an operator
    which data vintage is in the database.
    """

    source_dir = models.CharField(max_length=500)
    source_format = models.CharField(max_length=16)  # "geojson" or "cod-ab"
    fingerprint = models.CharField(max_length=200, db_index=True)
    provinces = models.PositiveIntegerField(default=0)
    districts = models.PositiveIntegerField(default=0)
    subdistricts = models.PositiveIntegerField(default=0)
    pieces = models.PositiveIntegerField(default=0)
    repaired = models.PositiveIntegerField(default=0)
    geothai_mismatches = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-loaded_at"]
        get_latest_by = "loaded_at"
