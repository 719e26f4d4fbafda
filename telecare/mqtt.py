"""Broker addresses and paho-mqtt clients configured the one way the platform uses them."""

import dataclasses
import urllib.parse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    tls: bool = False
    # MQTT 5 unless the URL says `?protocol=3.1.1` (a broker that speaks nothing newer).
    protocol: MQTTProtocolVersion = MQTTProtocolVersion.MQTTv5


def parse_mqtt_url(url: str) -> BrokerAddress:
    """`mqtt://[user[:password]@]host[:port][?protocol=3.1.1]`, or `mqtts://` for TLS (port 8883)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"MQTT URL must start with mqtt:// or mqtts://, got {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError("MQTT URL has no host")
    tls = parts.scheme in ("mqtts", "ssl")
    protocols = {"5": MQTTProtocolVersion.MQTTv5, "3.1.1": MQTTProtocolVersion.MQTTv311}
    asked = urllib.parse.parse_qs(parts.query).get("protocol", ["5"])[-1]
    if asked not in protocols:
        raise ValueError(f"MQTT URL protocol must be 5 or 3.1.1, got {asked!r}")
    return BrokerAddress(
        host=parts.hostname,
        port=parts.port or (8883 if tls else 1883),
        username=urllib.parse.unquote(parts.username) if parts.username else None,
        password=urllib.parse.unquote(parts.password) if parts.password else None,
        tls=tls,
        protocol=protocols[asked],
    )


def new_client(
    address: BrokerAddress,
    *,
    client_id: str = "",
    manual_ack: bool = False,
    persistent: bool = False,
) -> mqtt.Client:
    """A paho client for this broker, credentials and TLS applied, not yet connected.

    `persistent` asks an MQTT 3.1.1 broker to keep the session (MQTT 5 says so at connect).
    """
    v311 = address.protocol is MQTTProtocolVersion.MQTTv311
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=address.protocol,
        manual_ack=manual_ack,
        clean_session=not persistent if v311 else None,
    )
    if address.username is not None:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set()
    # Capped exponential backoff between reconnect attempts (paho applies it itself).
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    return client
