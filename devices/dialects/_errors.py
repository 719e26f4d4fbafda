"""The one way a decoder refuses a message."""


class DecodeError(ValueError):
    """A message that cannot become readings; `str(error)` is the reason kept in the dead letter."""


class UnregisteredVendorId(DecodeError):
    """A foreign message from a vendor id no registered device reports under.

    Its own type because a registry reloaded a moment later may know the id, as it may know a
    native message's unknown device.
    """

    def __init__(self, *, dialect: str, id_label: str, vendor_id: str) -> None:
        super().__init__(
            f"no device registered for {dialect} {id_label} {vendor_id!r} "
            f"(register it with dialect {dialect} and vendor_id {vendor_id})"
        )
        self.dialect = dialect
        self.vendor_id = vendor_id
