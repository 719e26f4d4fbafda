"""A family carer's own notification preferences: where their messages go (email addresses or
Apprise URLs), their quiet hours and their daily digest time. Validated with words the carer
can act on; saved in one transaction; audited (channel kinds only: the addresses stay out of
the trail)."""

import datetime as dt

from pydantic import ValidationError

from alerts import PolicyError, QuietHours, record_audit, set_contact_preferences
from devices import ContactEntry, describe_validation_error
from web._accounts import Conn

# More than this is a mistake in the form, not a carer's real set of phones and inboxes.
MAX_CHANNELS = 5


class PreferencesError(ValueError):
    """Preferences that cannot be saved; the message says what to change."""


def parse_channels(text: str) -> tuple[str, ...]:
    """One channel a line: an email address (made a mailto:// URL) or any Apprise URL."""
    channels = []
    for line in text.splitlines():
        channel = line.strip()
        if channel and "://" not in channel and "@" in channel:
            channel = f"mailto://{channel}"
        if channel:
            channels.append(channel)
    if len(channels) > MAX_CHANNELS:
        raise PreferencesError(f"give at most {MAX_CHANNELS} ways to reach you")
    try:
        return ContactEntry(name="carer", channels=tuple(channels)).channels
    except ValidationError as exc:
        raise PreferencesError(describe_validation_error(exc)) from exc


def parse_quiet_hours(start: str, end: str) -> QuietHours | None:
    """Both ends, or neither (no quiet hours)."""
    if not start.strip() and not end.strip():
        return None
    if not start.strip() or not end.strip():
        raise PreferencesError("give both the start and the end of your quiet hours, or neither")
    try:
        return QuietHours.parse(f"{start.strip()[:5]}-{end.strip()[:5]}")
    except PolicyError as exc:
        raise PreferencesError(str(exc)) from exc


def parse_digest_at(text: str) -> dt.time | None:
    """Empty: no daily digest."""
    if not text.strip():
        return None
    try:
        return dt.time.fromisoformat(text.strip()[:5])
    except ValueError:
        raise PreferencesError(f"{text!r} is not a time of day such as 18:30") from None


def save_preferences(
    conn: Conn,
    contact_id: int,
    *,
    channels: tuple[str, ...],
    quiet_hours: QuietHours | None,
    digest_at: dt.time | None,
    by: str,
    now: dt.datetime,
) -> None:
    """Channels, quiet hours and digest time together, or nothing (PreferencesError)."""
    try:
        with conn.transaction():
            row = conn.execute(
                "SELECT household_id, channels FROM contacts WHERE id = %s FOR NO KEY UPDATE", (contact_id,)
            ).fetchone()
            assert row is not None, "a carer's contact row lives as long as their link to it"
            household, before = row
            if tuple(before) != channels:
                conn.execute("UPDATE contacts SET channels = %s WHERE id = %s", (list(channels), contact_id))
                record_audit(
                    conn,
                    actor=by,
                    action="contact.channels_set",
                    subject_type="contact",
                    subject_id=str(contact_id),
                    household=household,
                    detail={"before": _kinds(before), "after": _kinds(channels), "via": "carer"},
                    at=now,
                )
            # Checks the digest against the channels just written, in this same transaction.
            set_contact_preferences(
                conn, contact_id, quiet_hours=quiet_hours, digest_at=digest_at, by=by, now=now
            )
    except PolicyError as exc:
        raise PreferencesError(str(exc)) from exc


def _kinds(channels: tuple[str, ...] | list[str]) -> list[str]:
    return [channel.split("://", 1)[0] for channel in channels]
