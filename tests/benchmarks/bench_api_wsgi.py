"""WSGI entry point for ``bench_api.py``'s gunicorn runs: the portal, plus the benchmark's
reference view (``/bench/reference/``: a plain ``values()`` + ``JsonResponse`` of the same rows),
so that the API and its reference are served by the same gunicorn, workers and database in the
same run. Never used outside the benchmark."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

from tests.benchmarks.bench_api import install_reference_urlconf  # noqa: E402  (needs settings)

install_reference_urlconf()
