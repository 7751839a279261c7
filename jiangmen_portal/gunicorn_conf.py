"""gunicorn settings of the web service (``docker-compose.yml``: ``gunicorn --config
jiangmen_portal/gunicorn_conf.py …``; the command line gives the rest).

``post_worker_init`` runs in each worker once it has loaded the application. It moves every object
loaded so far (Django, the apps, their modules: about 150,000) into the garbage collector's
permanent generation (``gc.freeze``). Requests leave reference cycles behind (template contexts,
query trees), and every few hundred collections Python runs a full pass over every tracked object:
without the freeze that pass walks the whole application each time, a pause of 100-150 ms in the
middle of a request at 100,000 enterprises (``bench_pages.py``'s p95 spikes); with it, only what
requests left (Python's documentation of ``gc.freeze`` recommends it for pre-loaded servers)."""

from __future__ import annotations

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    gc.collect()
    gc.freeze()
