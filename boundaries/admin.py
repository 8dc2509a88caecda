"""Read-only lists of the administrative areas.

Boundaries change only through the loader (``manage.py load_boundaries``), which repairs,
checks parents and refills the lookup table; an edit here would bypass all of that. The
geometry is summarised as text: the GeoDjango map widget would load base tiles from the
internet, which offices on the government network may not reach.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from boundaries.models import BoundaryLoad, District, Province, Subdistrict
from boundaries.selectors import without_geoms


def province_filter(field_path: str):
    """A list filter by province that never loads the provinces' polygons.

    Django's default filter for a foreign key loads every related object whole, geometry
    included: 77 province outlines on each list page.
    """

    class ProvinceFilter(admin.SimpleListFilter):
        parameter_name = "province_code"

        def lookups(self, request, model_admin):
            return list(Province.objects.order_by("name_th").values_list("code", "name_th"))

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{field_path: self.value()})
            return queryset

    ProvinceFilter.title = _("province")
    return ProvinceFilter


class AreaChoicesWithoutGeom:
    """For admins with a foreign key to an area: its choices and widgets skip the polygon."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model in (Province, District, Subdistrict):
            kwargs.setdefault("queryset", db_field.related_model.objects.defer("geom"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AreaAdmin(ReadOnlyAdmin):
    search_fields = ("code", "name_th", "name_en")
    list_per_page = 100
    ordering = ("code",)
    exclude = ("geom",)
    readonly_fields = ("geometry_summary",)

    related_areas: tuple[str, ...] = ()

    def get_queryset(self, request):
        # Lists never need the polygons (a province has tens of thousands of vertices);
        # the detail page loads its one geometry when the summary asks for it.
        return without_geoms(super().get_queryset(request), *self.related_areas).defer("geom")

    @admin.display(description=_("geometry"))
    def geometry_summary(self, obj):
        geom = obj.geom
        if geom is None:
            return _("none")
        xmin, ymin, xmax, ymax = geom.extent
        return _(
            "%(kind)s of %(parts)s polygon(s), %(points)s vertices; "
            "extent lon %(xmin).4f–%(xmax).4f, lat %(ymin).4f–%(ymax).4f; valid: %(valid)s"
        ) % {
            "kind": geom.geom_type,
            "parts": geom.num_geom,
            "points": geom.num_points,
            "xmin": xmin,
            "xmax": xmax,
            "ymin": ymin,
            "ymax": ymax,
            "valid": geom.valid,
        }


@admin.register(Province)
class ProvinceAdmin(AreaAdmin):
    list_display = ("code", "name_th", "name_en", "population", "area_km2", "geom_quality")


@admin.register(District)
class DistrictAdmin(AreaAdmin):
    list_display = ("code", "name_th", "name_en", "province", "population", "area_km2")
    list_filter = (province_filter("province_id"),)
    related_areas = list_select_related = ("province",)


@admin.register(Subdistrict)
class SubdistrictAdmin(AreaAdmin):
    list_display = (
        "code",
        "name_th",
        "name_en",
        "district",
        "province",
        "population",
        "geom_quality",
        "in_geothai",
    )
    list_filter = ("geom_quality", "in_geothai", province_filter("province_id"))
    related_areas = list_select_related = ("district", "province")


@admin.register(BoundaryLoad)
class BoundaryLoadAdmin(ReadOnlyAdmin):
    list_display = (
        "loaded_at",
        "source_format",
        "source_dir",
        "provinces",
        "districts",
        "subdistricts",
        "pieces",
        "repaired",
        "geothai_mismatches",
    )
