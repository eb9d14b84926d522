"""Log output shared by every newsingest process: text for a terminal, one JSON object per line for ops.

It lives beside the settings because the crawler and the consumers configure logging the same way and
neither may import the other. Context travels as `extra=` fields (portal, url, stage, topic, partition,
offset, report_id); whatever a message or a field holds, credentials in URLs are masked before output.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Context fields a record may carry (logger.info(..., extra={"portal": ...})); the JSON output keeps them.
CONTEXT_FIELDS = ("portal", "url", "stage", "topic", "partition", "offset", "report_id", "role")
# user:password@ in any URL (postgresql+psycopg://u:p@h/db, redis://:p@h, kafka SASL never reaches a log).
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<secret>[^@/\s]+)@")
# `password=…`, `ssl_password': '…'`, `PGPASSWORD=…`, `…_SASL_PASSWORD=…`: a name ending in one of the words (the
# `_` of a longer name is no word boundary, hence no \b on the left). A quoted value is masked up to its closing
# quote (a password may hold spaces and commas), a bare one up to white space or a delimiter.
_SECRET_ASSIGNMENT = re.compile(r"(?i)(password|passwd|secret|token)(\s*['\"]?\s*[=:]\s*)"
                                r"(?:'[^']*'|\"[^\"]*\"|[^\s'\",}]+)")
_HANDLER_NAME = "newsingest"


def redact(text: str) -> str:
    """Mask the password of every URL and every `password=...` in a string."""
    text = _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)
    return _SECRET_ASSIGNMENT.sub(_masked, text)


def _masked(match: re.Match) -> str:
    value = match[0][match.end(2) - match.start(0):]
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match[1]}{match[2]}{quote}***{quote}"


_CONTEXT: contextvars.ContextVar[dict] = contextvars.ContextVar("newsingest_log_context", default={})


@contextlib.contextmanager
def log_context(**fields):
    """Context fields for every line logged inside the block, in this thread (the runner sets the stage for its
    loop and topic/partition/offset for each message, so a line logged deep in a stage says where it was)."""
    token = _CONTEXT.set({**_CONTEXT.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


class RedactingFilter(logging.Filter):
    """Adds the context fields, formats the message once, masks credentials in it and in string fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _CONTEXT.get().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must still be logged, not crash the handler
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, str):
                setattr(record, name, redact(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RedactingTextFormatter(logging.Formatter):
    def formatException(self, ei) -> str:  # noqa: N802 - stdlib name
        return redact(super().formatException(ei))


class NewsingestJsonFormatter(JsonFormatter):
    """One object per line: time, level, logger, message, the context fields present, and the traceback."""

    def __init__(self, role: str | None = None) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                         json_ensure_ascii=False)
        self.role = role

    def add_fields(self, log_record: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_record, record, message_dict)
        if self.role and "role" not in log_record:
            log_record["role"] = self.role
        # JsonFormatter keeps every extra attribute; the ones below are noise from third-party loggers.
        for noise in ("taskName", "color_message"):
            log_record.pop(noise, None)

    def formatException(self, ei) -> str:  # noqa: N802 - stdlib name; a traceback may quote a secret too
        return redact(super().formatException(ei))

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - stdlib name
        import datetime as dt

        return dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds")


def configure_logging(level: str | int = "INFO", fmt: str = "text", role: str | None = None,
                      stream=None, debug_loggers: str | None = None) -> logging.Handler:
    """Install (or replace) newsingest's one root handler. Idempotent: calling again swaps the handler, so a
    command that reconfigures never prints each line twice."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(NewsingestJsonFormatter(role) if fmt == "json" else RedactingTextFormatter(TEXT_FORMAT))
    named = [n.strip() for n in (debug_loggers or "").split(",") if n.strip()]
    # Scrapy sets the root logger to NOTSET; the handler keeps the level (DEBUG when some loggers ask for it,
    # the root logger's level still holding the others back).
    handler.setLevel(logging.DEBUG if named else level)
    root.addHandler(handler)
    root.setLevel(level)
    for name in named:
        logging.getLogger(name).setLevel(logging.DEBUG)
    # kafka-python logs every connection at INFO; operators need its warnings, not its chatter.
    logging.getLogger("kafka").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))  # a line per plugin at start
    return handler
