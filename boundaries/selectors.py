"""Reading the boundaries: point → area, and area lists for forms and maps."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.contrib.gis.geos import Point

from boundaries.models import SubdistrictPiece


@dataclass(frozen=True)
class AreaMatch:
    """The answer to "which areas hold this point?".

    ``inside`` is False for a point outside Thailand (at sea, abroad); the codes are then None.
    """

    inside: bool
    lat: float
    lon: float
    subdistrict_code: str | None = None
    subdistrict_name_th: str | None = None
    subdistrict_name_en: str | None = None
    district_code: str | None = None
    district_name_th: str | None = None
    district_name_en: str | None = None
    province_code: str | None = None
    province_name_th: str | None = None
    province_name_en: str | None = None
    # "reconstructed" in nine provinces where tambon lines are only ~400 m accurate.
    geom_quality: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def area_for_point(*, point: Point) -> AreaMatch:
    """The sub-district, district and province whose polygons hold ``point`` (SRID 4326).

    Looks in the subdivided table with ``covers`` (not ``contains``), so a point on a border or
    on a subdivision cut line is held by two or more pieces; ordering by sub-district code then
    gives exactly one answer, the same every time. A point outside every polygon gets an
    ``inside=False`` answer, never an exception.
    """
    if point.srid is None:
        point = Point(point.x, point.y, srid=4326)
    elif point.srid != 4326:
        point = point.transform(4326, clone=True)
    row = (
        SubdistrictPiece.objects.filter(geom__covers=point)
        .order_by("subdistrict_id")
        .values(
            "subdistrict_id",
            "subdistrict__name_th",
            "subdistrict__name_en",
            "subdistrict__geom_quality",
            "district_code",
            "subdistrict__district__name_th",
            "subdistrict__district__name_en",
            "province_code",
            "subdistrict__province__name_th",
            "subdistrict__province__name_en",
        )
        .first()
    )
    if row is None:
        return AreaMatch(inside=False, lat=point.y, lon=point.x)
    return AreaMatch(
        inside=True,
        lat=point.y,
        lon=point.x,
        subdistrict_code=row["subdistrict_id"],
        subdistrict_name_th=row["subdistrict__name_th"],
        subdistrict_name_en=row["subdistrict__name_en"],
        district_code=row["district_code"],
        district_name_th=row["subdistrict__district__name_th"],
        district_name_en=row["subdistrict__district__name_en"],
        province_code=row["province_code"],
        province_name_th=row["subdistrict__province__name_th"],
        province_name_en=row["subdistrict__province__name_en"],
        geom_quality=row["subdistrict__geom_quality"],
    )
