"""Keep a copy of the portal's enterprises and titles in step, with a client generated from the
published schema by openapi-python-client (PyPI) and used unmodified:

    openapi-python-client generate --path schema.json --output-path jiangmen_api_client --meta none
    python scripts/api_sync_example.py --url https://portal.example/ --key <API key>

(``schema.json`` is ``GET /api/v1/schema/?format=json`` read with the key.) The first run reads
every row; each later run reads only what changed since the previous run began, and removes what
was deleted:

1. note the time the run starts (minus a margin for the clocks of two machines);
2. page through each list by cursor (``cursor=`` empty, then each ``next`` link), with
   ``updated_since`` = the start of the previous run: new and changed rows (an enterprise whose
   current tier changed with a title counts as changed);
3. read ``/api/v1/deletions/?since=`` the same time and drop those records;
4. keep the time from step 1 for the next run.

Rows read twice (the margin) are simply stored again. Writes send the ``version`` they read: a
write based on an outdated version is refused (409) and changes nothing. ``tests/api/
test_generated_client.py`` runs this program against a live server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jiangmen_api_client import AuthenticatedClient
from jiangmen_api_client.api.enterprises import enterprises_list, titles_list
from jiangmen_api_client.api.synchronisation import deletions_list
from jiangmen_api_client.models import Error

MARGIN = dt.timedelta(minutes=1)


@dataclass
class Store:
    """The local copy: rows by id, and when the last run began."""

    enterprises: dict[int, dict[str, Any]] = field(default_factory=dict)
    titles: dict[int, dict[str, Any]] = field(default_factory=dict)
    since: dt.datetime | None = None


@dataclass
class RunReport:
    enterprises: list[int] = field(default_factory=list)  # ids read (new or changed)
    titles: list[int] = field(default_factory=list)
    deleted: list[tuple[str, int]] = field(default_factory=list)  # (record type, id)


def rows(operation: Callable[..., Any], client: AuthenticatedClient, **filters: Any) -> Iterator[Any]:
    """Every row of a list, page by page by cursor (keyset: page 1,000 costs what page 1 does)."""
    cursor = ""
    while True:
        page = operation.sync(client=client, cursor=cursor, page_size=1000, **filters)
        if isinstance(page, Error) or page is None:
            raise RuntimeError(getattr(page, "detail", "no answer"))
        yield from page.results
        if not page.next_:  # ("next" is a Python built-in: the generator names it next_)
            return
        cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]


def sync(client: AuthenticatedClient, store: Store, *, margin: dt.timedelta = MARGIN) -> RunReport:
    started = dt.datetime.now(dt.UTC) - margin
    since = {} if store.since is None else {"updated_since": store.since}
    report = RunReport()
    for enterprise in rows(enterprises_list, client, **since):
        store.enterprises[enterprise.id] = enterprise.to_dict()
        report.enterprises.append(enterprise.id)
    for title in rows(titles_list, client, **since):
        store.titles[title.id] = title.to_dict()
        report.titles.append(title.id)
    if store.since is not None:
        tables = {"enterprises.enterprise": store.enterprises, "enterprises.title": store.titles}
        for gone in rows(deletions_list, client, since=store.since):
            if gone.model in tables:
                tables[gone.model].pop(gone.object_id, None)
                report.deleted.append((gone.model, gone.object_id))
    store.since = started
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the portal's address, e.g. https://portal.example/")
    parser.add_argument("--key", required=True, help="an API key (sent as Authorization: Bearer <key>)")
    args = parser.parse_args()
    client = AuthenticatedClient(base_url=args.url.rstrip("/"), token=args.key)  # the generator's default: Bearer
    store = Store()
    first = sync(client, store)
    print(json.dumps({"enterprises": len(first.enterprises), "titles": len(first.titles)}))


if __name__ == "__main__":
    main()
