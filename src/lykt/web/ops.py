"""For the operator's tools: liveness, readiness and metrics. No personal data in any of them:
counts and timings only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from lykt.realtime import Hub
from lykt.web.deps import ServicesDep

router = APIRouter()
READY_TIMEOUT_S = 2.0


class Metrics:
    """Prometheus metrics of one process: connections, queue length, message rate and the
    latency from a message frame's arrival to its ack (stored)."""

    def __init__(self, hub: Hub) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.messages = Counter(
            "lykt_messages", "Messages stored", ["sender"], registry=self.registry
        )
        self.post_seconds = Histogram(
            "lykt_message_post_seconds",
            "From a message frame received to its ack (stored in the database)",
            buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0),
            registry=self.registry,
        )
        self.registry.register(_HubCollector(hub))

    def message_stored(self, sender: str, started: float) -> None:
        self.messages.labels(sender).inc()
        self.post_seconds.observe(time.perf_counter() - started)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _HubCollector(Collector):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        connections = GaugeMetricFamily(
            "lykt_connections", "Open WebSocket connections", labels=["role"]
        )
        connections.add_metric(["visitor"], sum(len(group) for group in self.hub.visitors.values()))
        connections.add_metric(["staff"], len(self.hub.staff))
        yield connections
        queue = self.hub.latest_queue
        yield GaugeMetricFamily(
            "lykt_queue_length",
            "Visitors waiting (as this process last saw the queue)",
            value=len(queue.entries) if queue is not None else 0,
        )
        yield CounterMetricFamily(
            "lykt_welcomes_turned_away",
            "Sockets asked to come back later because too many were being welcomed at once",
            value=self.hub.welcomes.turned_away,
        )


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive and serving."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(services: ServicesDep) -> JSONResponse:
    """Ready for traffic: the database answers. Fan-out to other processes may be degraded
    (the bus is only a doorbell): that is reported, but the process stays ready."""
    ctx = services.ctx
    database = "ok"
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            await ctx.db.ping()
    except Exception:
        database = "unreachable"
    bus = "ok" if ctx.bus.healthy else "degraded"
    body = {"status": "ok" if database == "ok" else "unavailable", "database": database, "bus": bus}
    return JSONResponse(body, status_code=200 if database == "ok" else 503)


@router.get("/metrics")
async def metrics(services: ServicesDep) -> Response:
    return Response(services.metrics.render(), media_type=CONTENT_TYPE_LATEST)
