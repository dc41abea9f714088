"""What the stack's SMTP server received (scripts/smtp_sink.py keeps each message as a file)."""

from __future__ import annotations

import email
import time
from dataclasses import dataclass
from email import policy
from pathlib import Path


@dataclass
class Mail:
    to: list[str]
    subject: str
    body: str
    attachments: list[str]


class Mailbox:
    def __init__(self, folder: str):
        self.folder = Path(folder)
        self._seen = {path.name for path in self.folder.glob("*.eml")}
        self.received: list[Mail] = []  # everything that arrived since this mailbox was opened

    def new(self) -> list[Mail]:
        """Messages that arrived since the last look (they are kept in `received` too)."""
        arrived = sorted(path for path in self.folder.glob("*.eml") if path.name not in self._seen)
        self._seen.update(path.name for path in arrived)
        mails = [_read(path) for path in arrived]
        self.received += mails
        return mails

    def wait_for(self, count: int, *, to: str | None = None, seconds: float = 60) -> list[Mail]:
        """Wait until `count` messages (to `to`, if given) have arrived since the mailbox was opened; fail
        with what did arrive."""
        deadline = time.monotonic() + seconds
        while True:
            self.new()
            matching = [mail for mail in self.received if to is None or to in mail.to]
            if len(matching) >= count:
                return matching
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} email(s){' to ' + to if to else ''} within {seconds} s; "
                    f"received: {[(mail.to, mail.subject) for mail in self.received]}"
                )
            time.sleep(0.2)


def _read(path: Path) -> Mail:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    return Mail(
        to=[address.strip() for address in str(message["To"]).split(",")],
        subject=str(message["Subject"]),
        body=body.get_content() if body is not None else "",
        attachments=[part.get_filename() for part in message.iter_attachments()],
    )
