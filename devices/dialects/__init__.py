"""Decoders: one module per payload dialect, each turning a raw MQTT message into canonical
readings or a `DecodeError` that says, in words an installer understands, why not."""

from devices.dialects._errors import DecodeError

__all__ = ["DecodeError"]
