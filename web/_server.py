"""Serving the app with uvicorn on its own thread, stopped by the platform's stop event like every
other service (so `telecare run` and the demo run it beside the rest)."""

import logging
import socket
import threading

import uvicorn
from fastapi import FastAPI

log = logging.getLogger(__name__)

# Open live streams are cut after this long at shutdown, so stopping never hangs on a console.
GRACEFUL_SHUTDOWN_SECONDS = 2


def listen(host: str, port: int) -> socket.socket:
    """A bound, listening socket (port 0: any free port). Binding before serving lets a caller
    know the address, and report a taken port, before anything else starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    return sock


def serve(app: FastAPI, sock: socket.socket, stop: threading.Event) -> None:
    """Serve on `sock` until `stop` is set; if the server ends by itself, set `stop`."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_config=None,  # the platform's logging: one key=value line per event
            access_log=False,  # request lines carry ids and client addresses; metrics count requests
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            proxy_headers=True,
        )
    )

    def stop_when_asked() -> None:
        stop.wait()
        server.should_exit = True

    watcher = threading.Thread(target=stop_when_asked, name="web-stop")
    watcher.start()
    host, port = sock.getsockname()[:2]
    log.info("web service listening host=%s port=%d", host, port)
    try:
        server.run(sockets=[sock])
    finally:
        stop.set()
        watcher.join()
        sock.close()
