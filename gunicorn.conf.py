"""Gunicorn, as `make serve` runs it (production): settings from the environment.

- WEB_CONCURRENCY: the number of workers (gunicorn reads it itself; default here 2 × cores + 1);
- PORT: the port on 127.0.0.1 (default 8000), behind the HTTPS proxy;
- the access log carries each request's id (X-Request-ID), as the application's log lines do.
"""

import multiprocessing
import os

import gunicorn.http.wsgi

# The server software and its version are not disclosed (« Server: gunicorn/23.0.0 » helps an attacker).
gunicorn.http.wsgi.SERVER = "FIPD"

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # a 1 000-action PDF takes seconds
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms requete=%({x-request-id}o)s'
errorlog = "-"
