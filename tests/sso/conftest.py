"""A real OpenID provider on loopback for the single sign-on tests: ``oidc-provider`` from the npm registry
(tests/sso/provider: package.json and its lock are committed; ``npm ci`` installs node_modules there on
first use, from the npm cache when it holds the packages). Without Node.js these tests skip."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

PROVIDER_DIR = Path(__file__).parent / "provider"
CLIENT_ID = "jiangmen-portal"
CLIENT_SECRET = "test-client-secret-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Provider:
    def __init__(self, rp_bases: tuple[str, ...]):
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            ["node", "server.mjs", str(self.port), *rp_bases],
            cwd=PROVIDER_DIR,
            stdout=subprocess.PIPE,
            # SSO_TEST_PROVIDER_LOG=<file>: the provider's own log, to debug a failing test
            stderr=open(log, "a") if (log := os.environ.get("SSO_TEST_PROVIDER_LOG")) else subprocess.DEVNULL,  # noqa: SIM115
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("ready "):
            self.process.kill()
            raise RuntimeError(f"the test OpenID provider did not start: {line!r}")

    def _post(self, path: str, data: dict) -> None:
        request = urllib.request.Request(
            self.issuer + path, data=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request, timeout=5).read()

    def add_account(self, login: str, **fields) -> None:
        """An official known to the platform (``active=False``: disabled there; ``amr``, ``acr``)."""
        self._post("/test/accounts", {"login": login, **fields})

    def tamper(self, mode: str) -> None:
        """'signature' or 'claims': the token endpoint hands out an altered ID token ('' stops)."""
        self._post("/test/tamper", {"mode": mode})

    def reset(self) -> None:
        self._post("/test/reset", {})

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=5)


@pytest.fixture(scope="session")
def _provider_ready():
    if shutil.which("node") is None:
        pytest.skip("Node.js is needed for the test OpenID provider (tests/sso/provider)")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
        subprocess.run(
            ["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=PROVIDER_DIR,
            check=True,
            timeout=300,
        )


@pytest.fixture(scope="session")
def provider_factory(_provider_ready):
    started: dict[tuple[str, ...], Provider] = {}

    def start(*rp_bases: str) -> Provider:
        if rp_bases not in started:
            started[rp_bases] = Provider(rp_bases)
        provider = started[rp_bases]
        provider.reset()
        return provider

    yield start
    for provider in started.values():
        provider.stop()


def configure(settings, provider: Provider) -> None:
    from sso import conf

    settings.SSO_MODE = "oidc"
    settings.OIDC_OP_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = ""  # all endpoints from discovery
    conf.forget_discovery()


@pytest.fixture
def op(provider_factory, settings):
    """The provider, for tests that drive the portal with Django's test client (host ``testserver``)."""
    provider = provider_factory("http://testserver")
    configure(settings, provider)
    return provider


def browse_provider(authorize_url: str, login: str | None, session=None) -> tuple[str, object]:
    """Act as the browser at the provider: follow its redirects, sign in as ``login`` on its page when it
    asks, until it sends the browser back to the portal. Returns that URL and the provider session."""
    import requests

    session = session or requests.Session()
    url = authorize_url
    origin = f"{urlsplit(authorize_url).scheme}://{urlsplit(authorize_url).netloc}"
    for _ in range(10):
        if not url.startswith(origin):
            return url, session
        response = session.get(url, allow_redirects=False, timeout=5)
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            continue
        assert response.status_code == 200, response.text[:500]
        assert login is not None, "the provider asks for a login"
        action = url.rstrip("/") + "/login"
        response = session.post(action, data={"login": login}, allow_redirects=False, timeout=5)
        assert response.status_code in (302, 303), response.text[:500]
        url = urljoin(url, response.headers["Location"])
    raise AssertionError("the provider never sent the browser back")


def portal_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
