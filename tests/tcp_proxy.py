"""A small TCP proxy for fault tests: put it between a client and a server, then break the link at will.

    with TcpProxy("127.0.0.1", 5432) as proxy:          # listens on a free 127.0.0.1 port
        url = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/db"
        ...
        proxy.set_mode("stall")       # or "reset", "blackhole", "pass"

Modes (switch any time, from any thread):

* ``pass``      forward both ways.
* ``stall``     accept new connections but forward nothing, and stop forwarding on open ones; the
                connections are held open (the client sees silence, no error). Back to ``pass`` and
                every held connection resumes where it stopped (a network that stalls, then heals).
* ``reset``     every open connection is closed with a TCP RST, and so is each new one at once.
* ``blackhole`` like ``stall``, but the connections held while in this mode never come back, even
                after ``pass`` (a peer that is gone for good); they stay silent until the client gives
                up or the proxy stops. New connections made after ``pass`` work.

Only the standard library; one thread per connection plus the accept loop. Never point it at a
shared service and stop that service: break the link through the proxy instead.
"""

from __future__ import annotations

import select
import socket
import struct
import threading
import time

MODES = ("pass", "stall", "reset", "blackhole")


def _rst(sock: socket.socket | None) -> None:
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def _close(sock: socket.socket | None) -> None:
    if sock is not None:
        try:
            sock.close()
        except OSError:
            pass


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, *, host: str = "127.0.0.1", port: int = 0,
                 connect_timeout_s: float = 5.0) -> None:
        self.target = (target_host, target_port)
        self.host = host
        self._requested_port = port
        self.port = port
        self.connect_timeout_s = connect_timeout_s
        self._mode = "pass"
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._conns: set[_Link] = set()
        self.accepted = 0  # connections accepted since start (to assert that a client reconnected)

    # -- control -------------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
        with self._lock:
            self._mode = mode
            links = list(self._conns)
        if mode == "reset":
            for link in links:
                link.reset()
        elif mode == "blackhole":
            for link in links:
                link.doomed = True

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def open_connections(self) -> int:
        with self._lock:
            return len(self._conns)

    def start(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self._requested_port))
        listener.listen(64)
        listener.settimeout(0.2)
        self._listener = listener
        self.port = listener.getsockname()[1]
        thread = threading.Thread(target=self._accept_loop, name=f"tcp-proxy-{self.port}", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopped.set()
        _close(self._listener)
        with self._lock:
            links = list(self._conns)
        for link in links:
            link.close()
        for thread in self._threads:
            thread.join(5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- internals -----------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepted += 1
            link = _Link(self, client)
            if self._mode == "blackhole":
                link.doomed = True
            with self._lock:
                self._conns.add(link)
            thread = threading.Thread(target=link.run, name=f"tcp-proxy-link-{self.port}", daemon=True)
            thread.start()

    def _forget(self, link: _Link) -> None:
        with self._lock:
            self._conns.discard(link)


class _Link:
    def __init__(self, proxy: TcpProxy, client: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream: socket.socket | None = None
        self.doomed = False  # blackholed: never forwarded again
        self._done = threading.Event()

    def reset(self) -> None:
        self._done.set()
        _rst(self.client)
        _rst(self.upstream)

    def close(self) -> None:
        self._done.set()
        _close(self.client)
        _close(self.upstream)

    def run(self) -> None:
        try:
            self._run()
        except OSError:
            pass
        finally:
            if not self._done.is_set():
                self.close()
            self.proxy._forget(self)  # noqa: SLF001

    def _run(self) -> None:
        while not self._done.is_set() and not self.proxy._stopped.is_set():  # noqa: SLF001
            mode = self.proxy.mode
            if mode == "reset":
                self.reset()
                return
            if self.doomed or mode in ("stall", "blackhole"):
                time.sleep(0.05)
                continue
            if self.upstream is None:
                try:
                    self.upstream = socket.create_connection(self.proxy.target, timeout=self.proxy.connect_timeout_s)
                except OSError:
                    self.reset()
                    return
                self.upstream.settimeout(None)
            readable, _, _ = select.select([self.client, self.upstream], [], [], 0.1)
            for sock in readable:
                data = sock.recv(65536)
                other = self.upstream if sock is self.client else self.client
                if not data:
                    self.close()
                    return
                other.sendall(data)
