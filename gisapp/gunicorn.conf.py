"""gunicorn for ``./damrong serve`` in production (DJANGO_ENV=production): see README "Production".

    gunicorn -c gisapp/gunicorn.conf.py gisapp.wsgi

Threaded workers (gthread): a slow client or a long streamed GeoJSON export holds one thread,
not a whole process, and is not killed by the worker timeout (the timeout watches the
process's main loop, which keeps beating while a thread streams). WhiteNoise serves the
collected static files from the same processes (nothing to configure in the proxy).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


bind = os.environ.get("DAMRONG_BIND", "127.0.0.1:8000")
# Processes: gunicorn's rule of thumb, 2 per core + 1 (WEB_WORKERS overrides). Each keeps its
# own in-process copy of the boundary lookup (about 50 MB with the national data).
workers = _int("WEB_WORKERS", 2 * multiprocessing.cpu_count() + 1)
worker_class = "gthread"
threads = _int("WEB_THREADS", 4)
# A worker whose main loop is silent this long is killed and replaced (seconds).
timeout = _int("WEB_TIMEOUT", 60)
# On SIGTERM (a deploy, docker stop): finish the requests in flight for this long.
graceful_timeout = _int("WEB_GRACEFUL_TIMEOUT", 30)
# Behind the TLS proxy, which keeps its own connections to us open between requests.
keepalive = _int("WEB_KEEPALIVE", 5)
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # heartbeats off the (possibly slow, container) disk

# Logs to stdout/stderr (the service manager or docker keeps them).
accesslog = "-"
errorlog = "-"
# The path only, never the query string (%(U)s, not %(r)s or %(q)s): searches and filters
# may carry names, phone numbers or citizen IDs. No referrer (its query string too), no user
# agent. Remote address, time, method, path, status, bytes, seconds.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)s'
