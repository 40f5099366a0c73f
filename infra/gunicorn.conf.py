"""gunicorn settings for Momentum's web tier: `gunicorn -c infra/gunicorn.conf.py`.

Every value can be overridden from the environment (12-factor), e.g.
MOMENTUM_BIND=0.0.0.0:8000 MOMENTUM_WEB_WORKERS=4. The projection worker
(`momentum project`) and the scheduler run as their own processes beside this one.
"""

import os

wsgi_app = "entrypoints.wsgi:create()"
bind = os.environ.get("MOMENTUM_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("MOMENTUM_WEB_WORKERS", "2"))
# Threads let a worker answer reads while another request waits for the projection
# worker to reach its write (read-your-writes).
worker_class = "gthread"
threads = int(os.environ.get("MOMENTUM_WEB_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so that slow leaks cannot build up.
max_requests = 20000
max_requests_jitter = 2000
# Behind nginx: trust X-Forwarded-* only from the proxy.
forwarded_allow_ips = os.environ.get("MOMENTUM_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("MOMENTUM_ACCESS_LOG", "-") or None  # "": no access log
errorlog = "-"
loglevel = os.environ.get("MOMENTUM_LOG_LEVEL", "info")
preload_app = False  # each worker opens its own database connections after the fork
