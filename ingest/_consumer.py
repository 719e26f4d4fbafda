"""The broker side of ingest: a persistent session (MQTT 5, or 3.1.1 where the broker speaks
nothing newer) whose messages are acknowledged only when the caller says they are stored."""

import datetime as dt
import logging
import queue
import threading
from collections.abc import Iterable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from ingest._triage import RawMessage
from telecare.mqtt import BrokerAddress, new_client

log = logging.getLogger(__name__)


class Consumer:
    """Subscribes at QoS 1 and hands messages to `inbox`; `acknowledge` releases them."""

    def __init__(
        self,
        *,
        address: BrokerAddress,
        client_id: str,
        subscriptions: Iterable[str],
        receive_maximum: int,
        session_expiry_seconds: int,
    ) -> None:
        self.inbox: queue.SimpleQueue[RawMessage] = queue.SimpleQueue()
        # Set once the broker has confirmed our subscriptions, cleared when the connection drops.
        self.connected = threading.Event()
        self._address = address
        self._subscriptions = [(topic, 1) for topic in subscriptions]
        self._receive_maximum = receive_maximum
        self._session_expiry_seconds = session_expiry_seconds
        self._connection = 0
        self._client = new_client(address, client_id=client_id, manual_ack=True, persistent=True)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe

    def start(self) -> None:
        if self._address.protocol is not MQTTProtocolVersion.MQTTv5:
            # MQTT 3.1.1: the session was asked for in the constructor; there is no Receive
            # Maximum, so the broker's own in-flight limit is the bound.
            self._client.connect_async(self._address.host, self._address.port)
            self._client.loop_start()
            return
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = self._session_expiry_seconds
        # The broker stops sending once this many messages await our acknowledgement: this
        # is the bound on ingest's memory and how backpressure reaches the broker.
        properties.ReceiveMaximum = self._receive_maximum
        self._client.connect_async(
            self._address.host, self._address.port, clean_start=False, properties=properties
        )
        self._client.loop_start()

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def acknowledge(self, messages: Iterable[RawMessage]) -> None:
        """PUBACK each message in arrival order, if its connection is still the current one."""
        current = self._connection
        for message in messages:
            if message.connection == current:
                self._client.ack(message.mid, 1)

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            log.error("broker refused connection reason=%s", reason)
            return
        self._connection += 1
        log.info(
            "broker connected host=%s port=%d session_present=%s",
            self._address.host,
            self._address.port,
            flags.session_present,
        )
        client.subscribe(self._subscriptions)

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reasons: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        refused = [
            topic
            for (topic, _), reason in zip(self._subscriptions, reasons, strict=False)
            if reason.is_failure
        ]
        if refused:
            log.error("broker refused subscriptions topics=%s", ",".join(refused))
            return
        log.info("subscribed topics=%s", ",".join(topic for topic, _ in self._subscriptions))
        self.connected.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self.connected.clear()
        if reason.is_failure:
            log.warning("broker connection lost reason=%s; reconnecting with backoff", reason)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        # Runs on paho's network thread: take the message and return, nothing more.
        self.inbox.put(
            RawMessage(
                topic=message._topic.decode("utf-8", errors="replace"),
                payload=bytes(message.payload),
                received_at=dt.datetime.now(dt.UTC),
                mid=message.mid,
                connection=self._connection,
            )
        )
