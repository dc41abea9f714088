"""A small browser-like HTTP client for the stack of scripts/stack.py (standard library only).

It plays the load balancer's part: each request goes to the next web process in turn (so a session made
on one must work on the other), says `X-Forwarded-Proto: https` (TLS ends at the load balancer), and keeps
the cookies of one host the way a browser does, Secure ones included. POSTs carry the CSRF token and an
Origin, as a browser's would.
"""

from __future__ import annotations

import http.client
import itertools
import json as jsonlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from tenants.demo_totp import code_after


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    port: int

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return jsonlib.loads(self.body)

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class PortalClient:
    def __init__(self, host: str, ports: list[int], *, timeout: float = 30):
        self.host = host
        self.ports = list(ports)
        self._next_port = itertools.cycle(self.ports)
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.token: str | None = None
        self.code_steps: dict[str, int] = {}  # the time step of each account's last two-factor code

    # requests

    def request(
        self,
        method: str,
        path: str,
        *,
        data: dict | None = None,
        json=None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        headers: dict | None = None,
        port: int | None = None,
        on_connect=None,
    ) -> Response:
        """One request; `on_connect(local_port)` is called once connected (fault injection finds the
        worker serving the request by it)."""
        port = port or next(self._next_port)
        sent = {"Host": self.host, "X-Forwarded-Proto": "https", "User-Agent": "portal-stack-client"}
        body = b""
        if files is not None:
            body, content_type = multipart(data or {}, files)
            sent["Content-Type"] = content_type
        elif json is not None:
            body = jsonlib.dumps(json).encode()
            sent["Content-Type"] = "application/json"
        elif data is not None:
            body = urlencode(data, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if method.upper() not in ("GET", "HEAD", "OPTIONS"):
            sent["Origin"] = f"https://{self.host}"
            sent["Referer"] = f"https://{self.host}{path}"
            if "csrftoken" in self.cookies:
                sent["X-CSRFToken"] = self.cookies["csrftoken"]
        if self.token:
            sent["Authorization"] = f"Token {self.token}"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        sent.update(headers or {})
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=self.timeout)
        try:
            connection.connect()
            if on_connect is not None:
                on_connect(connection.sock.getsockname()[1])
            connection.request(method.upper(), path, body=body or None, headers=sent)
            raw = connection.getresponse()
            response = Response(raw.status, {key.lower(): value for key, value in raw.getheaders()}, raw.read(), port)
            self._keep_cookies(raw.headers.get_all("Set-Cookie") or [])
        finally:
            connection.close()
        return response

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Response:
        return self.request("POST", path, **kwargs)

    # signing in

    def sign_in(self, email: str, password: str) -> Response:
        """Through the sign-in form, as a person does; fails loudly when the portal refuses."""
        self.get("/login/")
        response = self.post(
            "/login/",
            data={"username": email, "password": password, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")},
        )
        if response.status == 302 and response.location == "/login/code/":
            # The demo coach and platform staff: their authenticator holds the demo key.
            code, self.code_steps[email] = code_after(self.code_steps.get(email, 0))
            response = self.post(
                "/login/code/", data={"code": code, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            )
        if response.status != 302:
            raise AssertionError(f"signing in as {email} on {self.host} was refused ({response.status})")
        return response

    def obtain_token(self, email: str, password: str) -> str:
        response = self.post("/api/v1/auth/token/", json={"email": email, "password": password})
        if response.status == 400 and "`code`" in response.text:  # an account with two-factor sign-in
            code, self.code_steps[email] = code_after(self.code_steps.get(email, 0))
            response = self.post("/api/v1/auth/token/", json={"email": email, "password": password, "code": code})
        if response.status != 200:
            raise AssertionError(f"no token for {email} on {self.host}: {response.status} {response.text[:200]}")
        self.token = response.json()["token"]
        return self.token

    # cookies, as a browser keeps them for one host

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if _expired(morsel):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


def _expired(morsel) -> bool:
    if morsel["max-age"] not in ("", None):
        return int(morsel["max-age"]) <= 0
    if morsel["expires"]:
        return parsedate_to_datetime(morsel["expires"]) <= datetime.now(UTC)
    return not morsel.value


def multipart(fields: dict, files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
