"""The self-hosted base map: raster tiles read from an MBTiles file (``MAP_TILE_MBTILES``).

MBTiles 1.3 (https://github.com/mapbox/mbtiles-spec) is one SQLite file: a ``tiles`` table
(``zoom_level``, ``tile_column``, ``tile_row``, ``tile_data``) with rows numbered from the
south (TMS), and a ``metadata`` table of name/value pairs (``name``, ``format``,
``attribution``, ``minzoom``, ``maxzoom``…). Leaflet asks ``/{z}/{x}/{y}`` numbered from the
north (XYZ), so the row is ``2**z - 1 - y``.

The file is opened read-only (``mode=ro`` URI) per request: SQLite opens in well under a
millisecond, nothing is shared between threads, and a file replaced on disk is read anew.
Make one with GDAL (``gdal_translate -of MBTILES`` + ``gdaladdo``), QGIS ("Generate XYZ
tiles (MBTiles)") or any tile tool; README "Maps" says how.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from django.conf import settings

CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
}
MAX_ZOOM = 24


class NoTileFile(LookupError):
    """``MAP_TILE_MBTILES`` is empty or names no readable file."""


def _connect(path: str | None = None) -> sqlite3.Connection:
    path = path or settings.MAP_TILE_MBTILES
    if not path or not Path(path).is_file():
        raise NoTileFile(path or "")
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    try:
        return sqlite3.connect(uri, uri=True, check_same_thread=False)
    except sqlite3.Error as exc:
        raise NoTileFile(path) from exc


def mbtiles_metadata(path: str | None = None) -> dict[str, str]:
    """The file's metadata table (empty when there is no file or no table)."""
    try:
        with closing(_connect(path)) as db:
            return {str(k): str(v) for k, v in db.execute("SELECT name, value FROM metadata")}
    except (NoTileFile, sqlite3.Error):
        return {}


def mbtiles_tile(z: int, x: int, y: int, path: str | None = None) -> tuple[bytes, str] | None:
    """The tile at XYZ ``z/x/y`` and its content type, or None when the file has none there.
    Raises ``NoTileFile`` when there is no file to read."""
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        return None
    with closing(_connect(path)) as db:
        try:
            row = db.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                "AND tile_row = ?",
                (z, x, 2**z - 1 - y),
            ).fetchone()
            fmt = db.execute("SELECT value FROM metadata WHERE name = 'format'").fetchone()
        except sqlite3.Error as exc:
            raise NoTileFile(str(exc)) from exc
    if row is None or row[0] is None:
        return None
    content_type = CONTENT_TYPES.get(str(fmt[0]).lower() if fmt else "png", "image/png")
    return bytes(row[0]), content_type
