"""Outgoing e-mail: SMTP when `CATALOG_SMTP_HOST` is set, otherwise the message goes to the log
(development and tests read it there)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any

log = logging.getLogger("catalog.mail")


def send_mail(cfg: dict[str, Any], to: str, subject: str, body: str) -> None:
    """Send one plain-text message; raises on SMTP failure so the caller can retry later."""
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    host = cfg.get("SMTP_HOST")
    if not host:
        log.info("e-mail (no SMTP server configured) to %s\nSubject: %s\n\n%s", to, subject, body)
        return
    with smtplib.SMTP(host, cfg.get("SMTP_PORT") or 25, timeout=30) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
        if cfg.get("SMTP_USER"):
            smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
        smtp.send_message(msg)
