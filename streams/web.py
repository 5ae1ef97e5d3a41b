"""The worker's HTTP API: customer cards, health and readiness.

Cards are answered from the live table; with several workers, `table_route` forwards the
request to the worker that owns the customer's partition.
"""

from __future__ import annotations

import faust
from faust.web import Request, Response, View

from agents.customer_agent import CustomerPipeline


def register_views(app: faust.App, pipeline: CustomerPipeline) -> None:
    @app.page("/customers/{customer_id}")
    class CustomerCard(View):
        @app.table_route(table=pipeline.state, match_info="customer_id")
        async def get(self, request: Request, customer_id: str) -> Response:
            state = pipeline.get_state(customer_id)
            if state is None:
                return self.json({"error": "unknown customer", "customer_id": customer_id}, status=404)
            return self.json(pipeline.card(state))

    @app.page("/healthz")
    class Health(View):
        async def get(self, request: Request) -> Response:
            return self.json({"status": "ok"})

    @app.page("/readyz")
    class Ready(View):
        async def get(self, request: Request) -> Response:
            recovery = app.tables.recovery
            checks = {
                "consumer_assigned": bool(app.consumer.assignment()),
                "tables_recovered": bool(recovery.completed.is_set()),
                "rebalancing": bool(app.rebalancing),
                "redis": "ok" if pipeline.redis.healthy else f"degraded: {pipeline.redis.last_error}",
                "population": pipeline.board.describe()["partitions_reported"],
            }
            ready = checks["consumer_assigned"] and checks["tables_recovered"] and not checks["rebalancing"]
            status = ("ready" if pipeline.redis.healthy else "degraded") if ready else "starting"
            return self.json({"status": status, **checks}, status=200 if ready else 503)

    @app.page("/alerts")
    class Alerts(View):
        async def get(self, request: Request) -> Response:
            """Alerts of every partition, newest first; filters: manager, state, kind, customer_id."""
            q = request.query
            alerts = pipeline.alerts.query(manager=q.get("manager"), state=q.get("state"), kind=q.get("kind"),
                                           customer_id=q.get("customer_id"))
            return self.json({"alerts": alerts, "count": len(alerts)})

    @app.page("/status")
    class Status(View):
        async def get(self, request: Request) -> Response:
            """Per partition this worker owns: event-time clock, watermark, customers holding
            events at the gate, newest event time read per topic (no customer data); and where the
            input path stands (`BatchingConsumer.diagnostics`)."""
            partitions = {
                p: {"clock": w.gate.clock_ms, "watermark": w.gate.watermark_ms, "holding": w.gate.holding,
                    "newest_read": w.gate.newest_read, "evaluations": w.engine.evaluations}
                for p, w in sorted(pipeline.work.items())
            }
            consumer = app.consumer
            diagnostics = consumer.diagnostics() if hasattr(consumer, "diagnostics") else None
            return self.json({"partitions": partitions, "consumer": diagnostics})

    @app.page("/population")
    class Population(View):
        async def get(self, request: Request) -> Response:
            """The thresholds every card is scored with, and how fresh each partition's part is."""
            return self.json(pipeline.board.describe())
