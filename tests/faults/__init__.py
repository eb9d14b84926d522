"""Fault harness: the stages as separate OS processes on an embedded broker, faults injected from outside.

    python -m pytest -q -m faults tests/faults                       # CI mode, a few minutes
    NEWSINGEST_FAULTS_LONG=1 python -m pytest -q -m faults tests/faults   # long mode (>= 5,000 pages, 20 kills)

Scenarios: test_kill (kill -9 of crawler / extract / process, restarted), test_broker_restart (10 s broker stop,
restart on the same port with s3:// storage on moto's S3 server), test_database_outage (PostgreSQL through
tests/tcp_proxy.py: stall-then-heal, reset, blackhole), test_poison (poison on both input topics, outputs over
the broker's message limit). After each: the store equals a one-process run of the same pages, the latest
message per key on meeting-reports equals the store, every consumer group is at its high watermark, and the
fault shows in the stages' /metrics. Pages come from tests/pagegen.py. Needs `moto[server]` (and boto3).
"""
