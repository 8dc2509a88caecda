"""How a tracking PIN reaches a complainant's phone (``TRACKING_SMS_SENDER``).

A sender is a class with ``send(*, phone, message) -> bool`` (True when the message left):
plug an SMS gateway in by naming its class in the setting. Senders must not log the message
or the number (the message holds the PIN).
"""

from __future__ import annotations

import sys


class NoSmsSender:
    """No SMS gateway configured: nothing is sent (the PIN was shown on screen, and goes by
    e-mail when the complainant left an address)."""

    def send(self, *, phone: str, message: str) -> bool:
        return False


class ConsoleSmsSender:
    """Development: the SMS is printed to the server's console, like Django's console e-mail."""

    def send(self, *, phone: str, message: str) -> bool:
        sys.stdout.write(f"SMS to {phone}: {message}\n")
        return True


class MemorySmsSender:
    """The tests: messages are kept in ``outbox`` (a list of (phone, message))."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, message: str) -> bool:
        self.outbox.append((phone, message))
        return True
