"""A WSGI application that holds its thread for ``SLOW_WSGI_SECONDS``: a server at capacity.

Served by gunicorn with the project's configuration in tests/faults/test_overload.py. Each
response says how many requests the application has run, so a test can tell a request the
worker refused from one the application answered.
"""

import itertools
import os
import time

_served = itertools.count(1)


def application(environ, start_response):
    time.sleep(float(os.environ.get("SLOW_WSGI_SECONDS", "1")))
    body = str(next(_served)).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
