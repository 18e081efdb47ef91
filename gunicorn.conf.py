"""gunicorn's configuration for ISK in production (`make serve`, or `gunicorn -c gunicorn.conf.py`).

Every setting can be changed by an environment variable, so the same file serves a small
machine and a large one. See README.md, "Production and performance".
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "isk:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Processes: 2 × cores + 1 keeps the CPU busy while some requests wait on the database or
# the disk. Each worker holds its own database connection pool and its own in-memory
# throttling counts (set ISK_RATELIMIT_STORAGE_URI to share them).
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
# Threads per worker (gthread): a slow download or upload does not hold a whole process.
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)

# A request that runs longer than `timeout` seconds (a huge PDF) has its worker restarted;
# on SIGTERM workers get `graceful_timeout` seconds to finish what they are doing.
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Recycle a worker after this many requests (jittered), so that no process grows for ever.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# Each worker imports and creates the app itself: no database connection or file handle
# is shared across fork, and a worker restart picks up a new release.
preload_app = False

# Access log on standard output: client, time, request line, status, size, referrer, agent
# and the time taken in milliseconds (%(M)s). GUNICORN_ACCESS_LOG="" turns it off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
# Without a proxy in front, X-Forwarded-* from clients is not trusted (ISK_PROXY_COUNT says
# how many proxies the app trusts).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker: object) -> None:
    """Once the worker has created the app: move everything it has built so far (modules,
    templates, the app) out of the cyclic garbage collector's reach. Those objects live as
    long as the process, and the collector otherwise walks them again on every full
    collection during a request (it was a third of a 400-chef SAM overview's time)."""
    import gc

    gc.collect()
    gc.freeze()
