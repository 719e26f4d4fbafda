"""An MQTT broker for a machine with none configured: amqtt in a thread of this process.

amqtt speaks MQTT 3.1.1 only, so the URL it yields says `?protocol=3.1.1`. Stock amqtt 0.12.1
keeps no session for anonymous clients and forgets an unacknowledged QoS 1 message after 5 s
or a dropped connection (upstream issue Yakifo/amqtt#401); the classes below close those gaps
through amqtt internals, which is why the version is pinned and every override is tested.
It keeps nothing across a restart: production sets TELECARE_MQTT_URL to Mosquitto or EMQX.
"""

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

from amqtt.broker import Broker
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.plugins.base import BaseAuthPlugin
from amqtt.session import OUTGOING

from telecare._embedded_postgres import EmbeddedServiceError

log = logging.getLogger(__name__)

_HINT_MQTT = "set TELECARE_MQTT_URL to use an existing broker"


class _AcceptLocalClients(BaseAuthPlugin):  # type: ignore[misc]  # amqtt ships no type information
    """Accept every client, as a non-anonymous one.

    amqtt's AnonymousAuthPlugin marks every session it admits as anonymous, and amqtt neither queues
    messages for nor keeps anonymous sessions: clean_session=False would silently do nothing. The
    broker only listens on 127.0.0.1.
    """

    async def authenticate(self, *, session: Any) -> bool:
        return True


class _RedeliveringHandler(BrokerProtocolHandler):  # type: ignore[misc]
    """Keeps an outgoing QoS 1 message in its session until the client acknowledges it.

    amqtt 0.12 forgets it when the connection ends or 5 s pass without PUBACK (Yakifo/amqtt#401), so
    a subscriber that dies before acknowledging never gets it again. MQTT 3.1.1 section 4.4 wants it
    resent when the session reconnects, which amqtt does for what is still in `inflight_out`.
    """

    async def _handle_qos1_message_flow(self, app_message: Any) -> None:
        session = self.session
        if app_message.direction != OUTGOING or session is None:
            await super()._handle_qos1_message_flow(app_message)
            return
        packet_id: int = app_message.packet_id
        session.inflight_out[packet_id] = app_message
        acked: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def settle(done: asyncio.Future[Any]) -> None:
            if self._puback_waiters.get(packet_id) is done:
                del self._puback_waiters[packet_id]
            if not done.cancelled() and done.exception() is None:
                app_message.puback_packet = done.result()
                session.inflight_out.pop(packet_id, None)

        acked.add_done_callback(settle)
        # Registered before sending, so a quick PUBACK cannot arrive with no one waiting for it.
        self._puback_waiters[packet_id] = acked
        packet = app_message.build_publish_packet(dup=app_message.publish_packet is not None)
        await self._send_packet(packet)
        app_message.publish_packet = packet
        # No deadline while connected: the spec forbids resending then, and a client acking in
        # batches may take longer than amqtt's 5 s. When the connection goes, amqtt cancels the
        # waiter (or, if it was registered just after that, we notice the reader has stopped).
        while not acked.done():
            await asyncio.wait({acked}, timeout=1.0)
            if not acked.done() and self._reader_stopped.is_set():
                acked.cancel()


class _Broker(Broker):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deliveries: set[asyncio.Future[Any]] = set()

    async def _initialize_client_session(self, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        handler, session = await super()._initialize_client_session(*args, **kwargs)
        # amqtt builds handlers by class name internally; swapping the class of each new one keeps
        # the fix to this broker instead of patching amqtt for the whole process.
        handler.__class__ = _RedeliveringHandler
        return handler, session

    async def _publish_session_retained_messages(self, session: Any) -> None:
        """Send what was queued while the session was offline.

        amqtt sends these with RETAIN set, as if they were retained messages, where MQTT-3.3.1-9 wants
        it clear (a client may treat retained messages as old state); and it waits for every PUBACK
        before serving the client's own packets, which with no PUBACK deadline could be forever.
        """
        handler = self._get_handler(session)
        if handler is None:
            return
        while not session.retained_messages.empty():
            queued = session.retained_messages.get_nowait()
            # Tasks start in creation order, so the messages go out in the order they were queued.
            delivery = asyncio.ensure_future(
                handler.mqtt_publish(queued.topic, queued.data, queued.qos, retain=False)
            )
            self._deliveries.add(delivery)
            delivery.add_done_callback(self._delivered)

    def _delivered(self, delivery: asyncio.Future[Any]) -> None:
        self._deliveries.discard(delivery)
        if not delivery.cancelled() and (error := delivery.exception()) is not None:
            log.debug("queued mqtt message not delivered error=%r", error)


class _BrokerThread:
    def __init__(self) -> None:
        self.port = 0
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="telecare-mqtt-broker", daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()  # in case it comes up after all
            raise EmbeddedServiceError(
                f"embedded MQTT broker failed to start: not listening after {timeout:.0f} s; {_HINT_MQTT}"
            )
        if self._error is not None:
            raise EmbeddedServiceError(
                f"embedded MQTT broker failed to start: {self._error}; {_HINT_MQTT}"
            ) from self._error

    def stop(self, timeout: float = 10.0) -> None:
        loop, stop_requested = self._loop, self._stop_requested
        if loop is not None and stop_requested is not None and self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(stop_requested.set)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("embedded mqtt broker did not stop within %.0f s", timeout)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:
            if self._ready.is_set():
                log.exception("embedded mqtt broker crashed")
            else:
                self._error = exc
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        broker = _Broker(
            {
                "listeners": {"default": {"type": "tcp", "bind": "127.0.0.1:0"}},
                # Only our auth plugin: amqtt's defaults add $SYS publishing, packet logging of every
                # payload, and the anonymous plugin that defeats persistent sessions.
                "plugins": {f"{__name__}.{_AcceptLocalClients.__qualname__}": {}},
            }
        )
        await broker.start()
        try:
            self.port = _listening_port(broker)
            self._ready.set()
            await self._stop_requested.wait()
        finally:
            await broker.shutdown()


def _listening_port(broker: Any) -> int:
    # Binding port 0 and asking afterwards avoids racing other processes for a port picked in advance;
    # amqtt exposes its listeners only as this private attribute.
    sockets = broker._servers["default"].instance.sockets
    return int(sockets[0].getsockname()[1])


@contextlib.contextmanager
def embedded_broker() -> Iterator[str]:
    """Start an amqtt broker in a daemon thread on 127.0.0.1:<free port>; yield its URL,
    'mqtt://127.0.0.1:PORT?protocol=3.1.1'; stop it cleanly on exit.

    MQTT 3.1.1 only (amqtt refuses MQTT 5 clients), QoS 0-2, persistent sessions kept in memory for
    the broker's lifetime.
    """
    runner = _BrokerThread()
    runner.start()
    url = f"mqtt://127.0.0.1:{runner.port}?protocol=3.1.1"
    log.info("embedded mqtt broker started url=%s", url)
    try:
        yield url
    finally:
        runner.stop()
        log.info("embedded mqtt broker stopped url=%s", url)
