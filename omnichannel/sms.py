"""Sending one-time sign-in codes. The default writes the code to the log (demo, tests, development);
production plugs in an SMS gateway with the same one-method interface."""

from __future__ import annotations

import logging
from typing import Protocol

from .domain.members import masked_phone

log = logging.getLogger("omnichannel.sms")


class CodeSender(Protocol):
    async def send(self, phone: str, code: str) -> None:
        """Deliver a sign-in code to a phone; raise when it could not be handed over."""


class LogCodeSender:
    """Writes the code to the `omnichannel.sms` log instead of texting it."""

    async def send(self, phone: str, code: str) -> None:
        log.info("sign-in code for %s: %s", masked_phone(phone), code)
