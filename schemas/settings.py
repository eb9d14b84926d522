"""Service settings from NEWSINGEST_* environment variables, built once at start and passed down.

It lives beside the message contracts because crawlers and consumers read the same variables and
neither may import the other.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.logs import redact
from schemas.topics import Topics

ENV_PREFIX = "NEWSINGEST_"
DEFAULT_DATABASE_URL = "sqlite:///./data/newsingest.db"
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
BROKER_STORAGE_SCHEMES = ("memory://", "s3://", "postgres://")
KAFKA_SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
KAFKA_SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
TEMPLATE_LEARNING_MODES = ("database", "process", "off")
_KAFKA_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
# sqlite:// (memory) or sqlite:///path; postgresql[+driver]://[user[:password]@]host[:port]/database[?…]
_DATABASE_URL = re.compile(r"^(?:sqlite(?:\+\w+)?://(?:/.*)?|postgresql(?:\+\w+)?://[^/\s]*/?[^\s]*)$")


class SettingsError(ValueError):
    """Raised with one line naming the offending variable."""


class Settings(BaseSettings):
    # No float setting may be inf or nan: "inf" passes gt=0 and then fails as an OverflowError where a timeout
    # becomes milliseconds.
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore", allow_inf_nan=False)

    kafka_bootstrap_servers: str | None = Field(
        default=None, description="host:port[,host:port]; unset starts the embedded broker"
    )
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1000)
    kafka_heartbeat_interval_ms: int = Field(default=3_000, ge=100)
    kafka_max_poll_records: int = Field(default=100, ge=1)
    kafka_max_message_bytes: int = Field(
        default=4 * 1024 * 1024, ge=10_000,
        description="Largest record the stages produce or fetch (the broker's message.max.bytes); a larger output "
        "is dead-lettered alone with a bounded preview")
    kafka_connect_timeout_s: float = Field(
        default=15.0, gt=0, le=600, description="How long commands wait for a configured broker before giving up")
    broker_storage_url: str = Field(
        default="memory://tansu/",
        description="Storage of the embedded broker (Tansu --storage-engine): memory://tansu/ (lost on stop), "
        "s3://bucket/ (durable; Tansu reads AWS_ENDPOINT, AWS_ACCESS_KEY_ID, ... from the environment) or "
        "postgres://user@host/db")
    topic_partitions: int = Field(default=3, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)
    topic_raw_pages: str = Topics().raw_pages
    topic_articles: str = Topics().articles
    topic_meeting_reports: str = Topics().meeting_reports
    topic_events: str = Topics().events
    topic_raw_pages_dead_letter: str = Topics().raw_pages_dead_letter
    topic_articles_dead_letter: str = Topics().articles_dead_letter
    topic_portal_status: str = Topics().portal_status
    consumer_group_prefix: str = "newsingest"
    database_url: str = Field(default=DEFAULT_DATABASE_URL)
    database_connect_timeout_s: int = Field(default=10, ge=1, le=600, description="PostgreSQL connect timeout")
    database_statement_timeout_s: float = Field(
        default=30.0, gt=0, description="PostgreSQL statement and lock timeout; idle-in-transaction is twice it")
    database_operation_timeout_s: float = Field(
        default=90.0, gt=0, description="A unit of work running longer has its connections shut down (a peer that "
        "acknowledges packets but never answers)")
    database_create_dir: bool = Field(
        default=False, description="Create the directory of a SQLite database that does not exist yet "
        "(always done for the default ./data/newsingest.db)")
    metrics_port: int = Field(default=9464, ge=0, le=65535, description="0 disables the endpoint")
    metrics_host: str = "0.0.0.0"
    crawler_metrics_port: int = Field(default=9465, ge=0, le=65535, description="0 disables the endpoint")
    portals_file: Path | None = Field(default=None, description="Portal registry YAML; unset = bundled")
    allow_local_hosts: bool = Field(
        default=False, description="Let a portal registry name 127.0.0.1, localhost or private/link-local addresses "
        "(tests and benchmarks against local simulators; never in production)")
    crawl_state_url: str = Field(
        default="sqlite:///./data/crawl-state.db",
        description="The watch's crawl state (seen pages, validators, schedules, listing link sets): sqlite:/// or "
        "postgresql+psycopg://")
    poll_min_interval_s: float = Field(default=600.0, ge=1, description="Shortest poll interval of a portal")
    poll_initial_interval_s: float = Field(default=900.0, ge=1, description="A new portal's first interval")
    poll_max_interval_s: float = Field(default=6 * 3600.0, ge=1, description="Longest poll interval of a portal")
    poll_timeout_s: float = Field(default=900.0, gt=0, description="A poll still unanswered after this is given up")
    recheck_windows_s: str = Field(
        default="3600,21600,86400",
        description="An ingested article page is fetched again (conditionally) once in each window after first "
        "sight, to catch corrections")
    crawl_concurrency: int = Field(default=8, ge=1)
    crawl_download_delay_s: float = Field(default=0.5, ge=0)
    # Crawler politeness and safety (issue 11): see README "Politeness and safety".
    env: str = Field(
        default="development", description="production | development; production requires a real contact URL "
        "and refuses every private, loopback, link-local, multicast or reserved address")
    contact_url: str | None = Field(
        default=None, description="Contact URL in the crawler's user agent: newsingest/<version> (+<contact URL>)")
    retry_after_max_s: float = Field(
        default=600.0, ge=0, description="Longest pause of a host that answered 429/503 with Retry-After")
    retry_backoff_base_s: float = Field(
        default=1.0, ge=0, description="Pause of a host after a retried status without Retry-After, doubled per "
        "retry (capped by retry_after_max_s)")
    allowed_private_networks: str | None = Field(
        default=None, description="Comma-separated CIDRs the address guard lets through; unset: 127.0.0.0/8 and "
        "::1 in development, none in production")

    @field_validator("env")
    @classmethod
    def _env(cls, value: str) -> str:
        env = value.strip().lower()
        if env not in ("production", "development"):
            raise ValueError(f"expected production or development, got {value!r}")
        return env

    @field_validator("allowed_private_networks")
    @classmethod
    def _networks(cls, value: str | None) -> str | None:
        import ipaddress

        if value is None:
            return None
        for part in (p.strip() for p in value.split(",")):
            if part:
                try:
                    ipaddress.ip_network(part, strict=False)
                except ValueError:
                    raise ValueError(f"expected comma-separated CIDRs, got {part!r}") from None
        return value.strip()
    raw_page_max_message_bytes: int = Field(
        default=900_000, ge=10_000,
        description="Largest compressed body the crawler puts on Kafka (keep below the broker's message.max.bytes)")
    max_page_bytes: int = Field(default=8_000_000, ge=10_000, description="Larger pages are dead-lettered as too_large")
    extract_timeout_s: float = Field(default=10.0, gt=0)
    max_article_bytes: int = Field(
        default=1_000_000, ge=10_000, description="Largest article text (UTF-8) an extraction publishes; longer "
        "text is cut and flagged text_truncated")
    template_learning: str = Field(
        default="database", description="Per-portal template learning of the extract stage: database (learned "
        "templates shared by every replica through database_url), process (each process learns alone, in memory) "
        "or off")
    dedup_window_days: int = Field(default=30, ge=1)
    near_duplicate_threshold: float = Field(default=0.7, gt=0, lt=1)
    stage_max_attempts: int = Field(default=3, ge=1)
    shutdown_grace_s: float = Field(
        default=25.0, gt=0, description="After SIGTERM a stage that has not stopped within this exits hard")
    dead_letter_max_replays: int = Field(
        default=3, ge=1, description="replay-dead-letters republishes one dead-lettered message at most this often")
    log_level: str = "INFO"
    log_format: str = Field(default="text", description="text (a terminal) or json (one object per line, for ops)")
    debug_loggers: str | None = Field(
        default=None, description="Comma-separated logger names logged at DEBUG whatever the level, e.g. "
        "consumers.runner.acks (every acknowledged output's partition and offset)")
    # Scale-out of the watch crawler (issue 11): processes sharing one Redis share the request queue, the seen
    # set and the schedule.
    redis_url: str | None = Field(
        default=None, description="redis://host:port/db; set, crawler processes share their work through it")
    # Secured Kafka (issue 12): the same settings reach every producer, consumer and admin client.
    kafka_security_protocol: str = Field(default="PLAINTEXT", description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL")
    kafka_sasl_mechanism: str | None = Field(default=None, description="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = Field(default=None, repr=False)
    kafka_ssl_cafile: Path | None = Field(default=None, description="CA bundle that signed the brokers' certificates")
    kafka_ssl_certfile: Path | None = Field(default=None, description="Client certificate (mutual TLS)")
    kafka_ssl_keyfile: Path | None = Field(default=None, description="Client private key (mutual TLS)")
    kafka_ssl_password: str | None = Field(default=None, repr=False, description="Password of the client key")

    @field_validator("template_learning")
    @classmethod
    def _template_learning(cls, value: str) -> str:
        mode = value.strip().lower()
        if mode not in TEMPLATE_LEARNING_MODES:
            raise ValueError(f"expected one of {', '.join(TEMPLATE_LEARNING_MODES)}, got {value!r}")
        return mode

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        fmt = value.strip().lower()
        if fmt not in ("text", "json"):
            raise ValueError(f"expected text or json, got {value!r}")
        return fmt

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"expected a redis://, rediss:// or unix:// URL, got {_scheme_only(value)}")
        return value.strip()

    @field_validator("kafka_security_protocol")
    @classmethod
    def _protocol(cls, value: str) -> str:
        protocol = value.strip().upper()
        if protocol not in KAFKA_SECURITY_PROTOCOLS:
            raise ValueError(f"expected one of {', '.join(KAFKA_SECURITY_PROTOCOLS)}, got {value!r}")
        return protocol

    @field_validator("kafka_sasl_mechanism")
    @classmethod
    def _mechanism(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        mechanism = value.strip().upper()
        if mechanism not in KAFKA_SASL_MECHANISMS:
            raise ValueError(f"expected one of {', '.join(KAFKA_SASL_MECHANISMS)}, got {value!r}")
        return mechanism

    @field_validator("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile", mode="before")
    @classmethod
    def _ssl_file(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        if value is not None and not Path(str(value)).is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _sasl(self) -> Settings:
        if self.kafka_security_protocol.startswith("SASL_"):
            if not self.kafka_sasl_mechanism:
                raise ValueError("kafka_sasl_mechanism is required with a SASL_ security protocol")
            if not self.kafka_sasl_username or self.kafka_sasl_password is None:
                raise ValueError("kafka_sasl_username and kafka_sasl_password are required with SASL")
        return self

    def kafka_client_config(self) -> dict[str, object]:
        """The security part of every Kafka client's configuration (kafka-python's names)."""
        config: dict[str, object] = {"security_protocol": self.kafka_security_protocol}
        if self.kafka_security_protocol.startswith("SASL_"):
            config.update(sasl_mechanism=self.kafka_sasl_mechanism, sasl_plain_username=self.kafka_sasl_username,
                          sasl_plain_password=self.kafka_sasl_password)
        if self.kafka_security_protocol in ("SSL", "SASL_SSL"):
            config.update(ssl_check_hostname=True)
            for key, value in (("ssl_cafile", self.kafka_ssl_cafile), ("ssl_certfile", self.kafka_ssl_certfile),
                               ("ssl_keyfile", self.kafka_ssl_keyfile), ("ssl_password", self.kafka_ssl_password)):
                if value is not None:
                    config[key] = str(value)
        return config

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}, got {value!r}")
        return level

    @field_validator("portals_file", mode="before")
    @classmethod
    def _portals(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("broker_storage_url")
    @classmethod
    def _storage(cls, value: str) -> str:
        if not value.startswith(BROKER_STORAGE_SCHEMES):
            raise ValueError(f"expected a {', '.join(s + '...' for s in BROKER_STORAGE_SCHEMES)} URL, "
                             f"got {_scheme_only(value)}")
        return value

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _servers(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        for part in value.split(","):
            host, sep, port = part.strip().rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(f"expected host:port, got {part.strip()!r}")
        return value.strip()

    @field_validator("recheck_windows_s")
    @classmethod
    def _windows(cls, value: str) -> str:
        try:
            windows = [float(w) for w in value.split(",") if w.strip()]
        except ValueError:
            raise ValueError(f"expected comma-separated seconds, got {value!r}") from None
        if any(w <= 0 for w in windows):
            raise ValueError("re-check windows must be positive")
        return ",".join(f"{w:g}" for w in sorted(windows))

    @model_validator(mode="after")
    def _poll_bounds(self) -> Settings:
        if not self.poll_min_interval_s <= self.poll_initial_interval_s <= self.poll_max_interval_s:
            raise ValueError("poll_min_interval_s <= poll_initial_interval_s <= poll_max_interval_s must hold")
        return self

    @field_validator("topic_raw_pages", "topic_articles", "topic_meeting_reports", "topic_events",
                     "topic_raw_pages_dead_letter", "topic_articles_dead_letter", "topic_portal_status")
    @classmethod
    def _topic(cls, value: str) -> str:
        if not _KAFKA_TOPIC.match(value) or value in (".", ".."):
            raise ValueError("a Kafka topic name is 1 to 249 of the characters a-z A-Z 0-9 . _ -")
        return value

    @field_validator("database_url", "crawl_state_url")
    @classmethod
    def _database(cls, value: str) -> str:
        if not _DATABASE_URL.match(value):
            raise ValueError("expected a sqlite:///path (sqlite:// for memory) or postgresql+psycopg://… URL")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @model_validator(mode="after")
    def _heartbeat(self) -> Settings:
        if self.kafka_heartbeat_interval_ms * 3 > self.kafka_session_timeout_ms:
            raise ValueError("kafka_heartbeat_interval_ms must be at most a third of kafka_session_timeout_ms")
        return self

    @property
    def max_poll_interval_ms(self) -> int:
        """Long enough for a whole batch of slow pages, so a slow batch never evicts the consumer."""
        return max(300_000, int(self.kafka_max_poll_records * self.extract_timeout_s * 1000 * 1.5))

    def topics(self) -> Topics:
        return Topics(
            raw_pages=self.topic_raw_pages,
            articles=self.topic_articles,
            meeting_reports=self.topic_meeting_reports,
            events=self.topic_events,
            raw_pages_dead_letter=self.topic_raw_pages_dead_letter,
            articles_dead_letter=self.topic_articles_dead_letter,
            portal_status=self.topic_portal_status,
        )


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as NEWSINGEST_* variables, so a child process sees exactly what its parent was given."""
    out = {}
    for name, value in settings.model_dump().items():
        if value is not None:
            out[f"{ENV_PREFIX}{name.upper()}"] = str(value)
    return out


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning a validation error into one line that names the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else _first_field_named(str(err["msg"]))
        message = " ".join(str(err["msg"]).split())  # one line, whatever pydantic says
        raise SettingsError(redact(f"invalid setting {ENV_PREFIX}{field.upper()}: {message}")) from None
    except ValueError as exc:  # a value pydantic-settings could not even parse (e.g. bad JSON for a complex field)
        raise SettingsError(redact(f"invalid settings: {' '.join(str(exc).split())}")) from None


def _scheme_only(url: str) -> str:
    """A URL setting's value for an error message: its scheme only (the rest may hold a password, and a URL
    mistyped badly enough escapes the masking of well-formed ones)."""
    scheme = url.split(":", 1)[0].strip()[:20] if ":" in url else ""
    return f"a {scheme}: URL" if scheme else "no URL scheme"


def _first_field_named(message: str) -> str:
    """A check across fields has no location: name the setting its message mentions first."""
    found = [(message.find(name), name) for name in Settings.model_fields if name in message]
    return min(found)[1] if found else "?"


def log_level_number(settings: Settings) -> int:
    return logging.getLevelName(settings.log_level)
