"""The one way a decoder refuses a message."""


class DecodeError(ValueError):
    """A message that cannot become readings; `str(error)` is the reason kept in the dead letter."""
