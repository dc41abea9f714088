"""A real OpenID provider on loopback (panva's oidc-provider, scripts/oidc/provider.js) for the single sign-on
tests, and a browser-less walk through its sign-in page."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

TOOLS = Path(__file__).resolve().parent.parent / "scripts" / "oidc"
CALLBACK = "/login/sso/oidc/callback/"


def tools_installed() -> Path:
    """scripts/oidc/node_modules as the lock file pins it (`npm ci`, no install scripts run)."""
    marker = TOOLS / "node_modules" / ".package-lock.json"
    lock = TOOLS / "package-lock.json"
    if not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
        npm = shutil.which("npm")
        assert npm, "The single sign-on tests run a real OpenID provider on Node: install Node 20 and npm."
        subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=TOOLS,
            check=True,
            timeout=300,
        )
    return TOOLS


class LocalProvider:
    """`clients`: [{"client_id", "client_secret", "redirect_uris"}]; `accounts`: {subject: claims}."""

    def __init__(self, *, clients: list[dict], accounts: dict[str, dict], issuer_path: str = ""):
        tools_installed()
        self._config = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)  # noqa: SIM115
        json.dump({"port": 0, "clients": clients, "accounts": accounts, "issuer_path": issuer_path}, self._config)
        self._config.close()
        self.log_path = Path(self._config.name).with_suffix(".log")
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                ["node", str(TOOLS / "provider.js"), self._config.name], stdout=subprocess.PIPE, stderr=log, text=True
            )
        line = self.process.stdout.readline().strip()
        assert line.startswith("READY "), f"the local OpenID provider did not start: {line!r}"
        self.issuer = line.split(" ", 1)[1]
        parts = urlsplit(self.issuer)
        self.base = f"{parts.scheme}://{parts.netloc}"

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        Path(self._config.name).unlink(missing_ok=True)
        self.log_path.unlink(missing_ok=True)

    def log_tail(self) -> str:
        return self.log_path.read_text()[-3000:] if self.log_path.exists() else ""

    def sign_in(self, authorization_url: str, login: str) -> str:
        """Walk the provider's pages as `login` and return where it sends the browser back (the callback
        address with its code and state)."""
        with httpx.Client(follow_redirects=False, timeout=10) as browser:
            answer = browser.get(authorization_url)
            for _step in range(10):
                location = answer.headers.get("location", "")
                if answer.status_code == 200 and "/interaction/" in str(answer.url):
                    answer = browser.post(str(answer.url), data={"login": login})
                    continue
                assert answer.status_code in (302, 303), answer.text[:500]
                target = urljoin(str(answer.url), location)
                if not target.startswith(self.base):
                    return target
                answer = browser.get(target)
        raise AssertionError("the provider never sent the browser back")
