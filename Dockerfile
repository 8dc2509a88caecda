# The web service of docker-compose.yml: the same ./damrong set-up steps, system packages baked in.
# The boundary data comes with the code (boundaries/data, the default BOUNDARIES_DATA_DIR), so
# the image runs on its own; docker-compose.yml mounts the host's BOUNDARIES_DATA_DIR (by default
# that same folder) read-only at /data/boundaries.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAMRONG_SKIP_SYSTEM=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libgdal-dev gettext postgresql-client \
    libpango-1.0-0 libpangoft2-1.0-0 \
    tesseract-ocr tesseract-ocr-tha tesseract-ocr-eng tesseract-ocr-osd poppler-utils \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY gisapp gisapp
COPY boundaries boundaries
COPY layers layers
COPY api api
COPY maps maps
RUN python -m venv .venv \
 && .venv/bin/pip install -q -e ".[dev]" \
 && sha256sum pyproject.toml | cut -c1-64 > .venv/.damrong-installed
COPY . .

EXPOSE 8000
CMD ["./damrong", "run"]
