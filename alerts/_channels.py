"""Sending one message to one Apprise URL, carrying its idempotency key wherever the channel can
(an `Idempotency-Key` header on webhooks and in email), so a receiver can drop a resend."""

import enum
import logging
import uuid
import warnings

import apprise

log = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Apprise adds "+Name=value" URL arguments as headers for these: webhooks and email. Other
# channels (SMS gateways, push services) have no place for the key.
_KEYED_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls", "mailto", "mailtos"})


class SendOutcome(enum.Enum):
    SENT = "sent"
    FAILED = "failed"  # worth trying again later
    UNUSABLE = "unusable"  # not a URL Apprise can use: trying again cannot help


def load_plugins() -> None:
    """Load Apprise's plugins now rather than inside the first send, which would be slow.
    Its email plugin imports `imghdr`, deprecated since Python 3.11; that one warning is
    silenced here so it does not become an error where warnings are errors (tests)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'imghdr' is deprecated", category=DeprecationWarning)
        apprise.Apprise.instantiate("json://localhost")


def send(channel: str, *, title: str, body: str, key: uuid.UUID) -> SendOutcome:
    service = apprise.Apprise.instantiate(_with_key(channel, key))
    if service is None:
        return SendOutcome.UNUSABLE
    try:
        delivered = service.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
    # A fault in any of Apprise's hundred plugins is one failed attempt, not a stopped dispatcher.
    except Exception as exc:
        # The exception's text may name the recipient: only its type is logged.
        log.warning("send failed in the channel error=%s", type(exc).__name__)
        return SendOutcome.FAILED
    return SendOutcome.SENT if delivered else SendOutcome.FAILED


def _with_key(channel: str, key: uuid.UUID) -> str:
    if channel.split("://", 1)[0].lower() not in _KEYED_SCHEMES:
        return channel
    separator = "&" if "?" in channel else "?"
    return f"{channel}{separator}+{IDEMPOTENCY_HEADER}={key}"
