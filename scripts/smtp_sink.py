"""A local SMTP server that keeps every message it receives as a file: the production check's mailbox.

    python scripts/smtp_sink.py --port 8175 --folder /tmp/mail

Each message is written to <folder>/<nanoseconds>-<random>.eml (via a temporary name, so a reader never
sees half a message). It accepts mail for anyone and relays nothing.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self, folder: Path):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope) -> str:
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        partial = self.folder / f".{name}.part"
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.folder / name)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    options = parser.parse_args()
    options.folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Mailbox(options.folder), hostname=options.host, port=options.port)
    controller.start()
    print(f"SMTP sink listening on {options.host}:{options.port}, keeping mail in {options.folder}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
