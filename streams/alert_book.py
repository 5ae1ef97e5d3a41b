"""Every worker's view of all alerts, fed by the `churn-alerts` topic itself.

Why from the topic: a worker only processes its own partitions, but an account manager's
inbox spans every partition. Each worker follows the whole (keyed) alert topic with a plain
consumer, like the population summaries, so `GET /alerts` and the manager page answer the same
on every worker, and need neither Redis nor a cross-worker request.

Bounded: the book keeps the latest lifecycle event of every open or escalated alert, plus the
`resolved_kept` most recently resolved ones (default 1000), so memory follows the number of
live problems, not the length of history.
"""

from __future__ import annotations

from collections import OrderedDict


SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}
LIVE_STATES = ("open", "escalated")


class AlertBook:
    def __init__(self, resolved_kept: int = 1000) -> None:
        self._live: dict[str, dict] = {}
        self._resolved: OrderedDict[str, dict] = OrderedDict()
        self._resolved_kept = resolved_kept

    def record(self, alert: dict) -> None:
        alert_id = alert["alert_id"]
        if alert["state"] in LIVE_STATES:
            self._resolved.pop(alert_id, None)
            self._live[alert_id] = alert
            return
        self._live.pop(alert_id, None)
        self._resolved[alert_id] = alert
        self._resolved.move_to_end(alert_id)
        while len(self._resolved) > self._resolved_kept:
            self._resolved.popitem(last=False)

    def query(self, manager: str | None = None, state: str | None = None, kind: str | None = None,
              customer_id: str | None = None, limit: int = 500) -> list[dict]:
        """Alerts matching every given filter, newest (event time, then emission) first."""
        pool = list(self._live.values()) + list(self._resolved.values())
        hits = [a for a in pool
                if (manager is None or a.get("account_manager") == manager)
                and (state is None or a.get("state") == state)
                and (kind is None or a.get("kind") == kind)
                and (customer_id is None or a.get("customer_id") == customer_id)]
        hits.sort(key=lambda a: (a.get("occurred_at") or "", a.get("emitted_at") or ""), reverse=True)
        return hits[:limit]

    def live(self) -> list[dict]:
        """Every open or escalated alert."""
        return list(self._live.values())

    def open_for_manager(self, manager: str) -> list[dict]:
        """The manager's inbox: open and escalated alerts, most severe first, then newest."""
        alerts = [a for a in self._live.values() if a.get("account_manager") == manager]
        alerts.sort(key=lambda a: (SEVERITY_RANK.get(a.get("severity"), 0), a.get("occurred_at") or ""),
                    reverse=True)
        return alerts

    def managers(self) -> list[str]:
        names = {a.get("account_manager") for a in (*self._live.values(), *self._resolved.values())}
        return sorted(n for n in names if n)

    def open_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for alert in self._live.values():
            counts[alert["kind"]] = counts.get(alert["kind"], 0) + 1
        return counts
