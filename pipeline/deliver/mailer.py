"""Sending one composed message over SMTP: the only module that touches smtplib.

The digest composes; this module connects (plain, STARTTLS or implicit TLS), logs in when a user is
configured and hands the message over. Every way the server can refuse or be unreachable becomes one
`DeliveryError` whose message an operator can act on; the caller keeps the items pending.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

from pipeline.config import ENV_SMTP_PASSWORD, DigestSettings
from pipeline.errors import DeliveryError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """What the server accepted: the message, minus any recipients it refused one by one."""

    recipients: list[str]
    refused: dict[str, str] = field(default_factory=dict)


def tls_context(settings: DigestSettings) -> ssl.SSLContext:
    """Trust the system's CAs, or only `smtp_cafile`; `smtp_verify: false` turns checks off."""
    context = ssl.create_default_context(cafile=settings.smtp_cafile)
    if not settings.smtp_verify:
        logger.warning("smtp_verify is false: the mail server's certificate is not checked")
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def send(message: EmailMessage, settings: DigestSettings, *, recipients: list[str]) -> Delivery:
    """Deliver `message` to `recipients` (the envelope); raise DeliveryError when nothing was accepted."""
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with _connect(settings) as smtp:
            _login(smtp, settings)
            refused = smtp.send_message(message, from_addr=settings.from_, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"{where} refused every recipient: {_refusals(exc.recipients)}") from exc
    except smtplib.SMTPResponseException as exc:
        reason = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc
        raise DeliveryError(f"{where} answered {exc.smtp_code}: {reason}") from exc
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        raise DeliveryError(f"cannot deliver via {where}: {exc or type(exc).__name__}") from exc
    if refused:
        logger.warning("%s refused some recipients: %s", where, _refusals(refused))
    accepted = [r for r in recipients if r not in refused]
    return Delivery(recipients=accepted, refused={k: _text(v) for k, v in refused.items()})


def _connect(settings: DigestSettings) -> smtplib.SMTP:
    """Open the session in the configured security mode; every step is bounded by the timeout."""
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout_s
    if settings.smtp_security == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context(settings))
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=tls_context(settings))
    except BaseException:
        smtp.close()
        raise
    return smtp


def _login(smtp: smtplib.SMTP, settings: DigestSettings) -> None:
    """Log in only when a user is configured; the password comes from the environment alone."""
    if not settings.smtp_user:
        return
    if settings.smtp_password is None:
        raise DeliveryError(f"smtp_user is set but {ENV_SMTP_PASSWORD} is not")
    if settings.smtp_security == "none":
        logger.warning("logging in to the mail server without TLS")
    smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())


def _refusals(refused: dict) -> str:
    return "; ".join(f"{rcpt} ({_text(why)})" for rcpt, why in refused.items())


def _text(reply: object) -> str:
    """smtplib reports refusals as (code, bytes); an operator wants one readable line."""
    if isinstance(reply, tuple) and len(reply) == 2:
        code, msg = reply
        return f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
    return str(reply)
