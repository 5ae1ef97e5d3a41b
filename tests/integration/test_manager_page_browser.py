"""The manager pages in a real browser: a worker fed with a simulated history, its pages loaded
in headless Chromium (Debian's `chromium`, installed on demand), the rendered DOM checked and
screenshots kept in test-artifacts/ (and docs/manager-page.png for the README)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from churnwatch.simulation.scenarios import Scenario
from streams.topics import ensure_topics
from tests.stack_fixtures import isolated_settings, start_worker, wait_until
from tests.tools import produce_simulation, require_debian_package
from tests.unit.ui.html_probe import parse

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
README_SCREENSHOT = ROOT / "docs" / "manager-page.png"
CARD_PERIODS = 12  # config/core.toml card_periods


class HeadlessChromium:
    def __init__(self, binary: str, profile_dir: Path) -> None:
        self.binary = binary
        self.profile_dir = profile_dir

    def _run(self, *args: str) -> str:
        command = [self.binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={self.profile_dir}", *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=90)
        assert result.returncode == 0, f"chromium failed ({result.returncode}):\n{result.stderr[-3000:]}"
        return result.stdout

    def dom(self, url: str) -> str:
        return self._run("--dump-dom", url)

    def screenshot(self, url: str, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self._run(f"--screenshot={path}", "--window-size=1280,1600", "--hide-scrollbars", url)
        assert path.exists() and path.stat().st_size > 10_000, f"no screenshot at {path}"
        return path


def _card(worker, customer_id: str) -> dict | None:
    response = worker.get(f"/customers/{quote(customer_id, safe='')}")
    return response.json() if response.status_code == 200 else None


def test_manager_pages_render_in_a_browser(test_stack, tmp_path):
    chromium = HeadlessChromium(require_debian_package("chromium", "chromium"), tmp_path / "chromium-profile")
    settings = isolated_settings()
    ensure_topics(settings)
    worker = start_worker(settings, tmp_path)
    try:
        worker.wait_ready()
        fed = produce_simulation(settings, customers=200, months=12)
        # A key account whose story is a decline makes the chart worth looking at.
        story = next((c for c in fed.customers if c.profile.key_account
                      and c.scenario.scenario is Scenario.VOLUME_DECLINE), fed.customers[0])
        cid = story.customer_id
        wait_until(lambda: (card := _card(worker, cid)) and card["lifetime"]["orders"] == fed.orders[cid]
                   and card["tier"] is not None, timeout=90, what=f"the card of {cid} to show all its orders")

        # A year with scripted churn stories raises alerts: the inbox of the manager with the most
        # open alerts, and the card of the customer behind the first of them.
        alerts = wait_until(lambda: [a for a in worker.get("/alerts").json()["alerts"]
                                     if a["state"] in ("open", "escalated")], timeout=90, what="open alerts")
        managers = [a["account_manager"] for a in alerts if a["state"] in ("open", "escalated")]
        manager = max(set(managers), key=managers.count)
        first = next(a for a in alerts if a["account_manager"] == manager and a["state"] in ("open", "escalated"))
        cid = first["customer_id"]
        inbox_url = f"{worker.url}/ui/managers/{quote(manager, safe='')}"
        inbox = parse(chromium.dom(inbox_url))
        assert first["message"] in inbox.text
        assert any(a.attrs["href"] == f"/ui/customers/{quote(cid, safe='')}" for a in inbox.find("a"))
        chromium.screenshot(inbox_url, ARTIFACTS / f"manager-{manager}.png")

        card = _card(worker, cid)
        card_url = f"{worker.url}/ui/customers/{quote(cid, safe='')}"
        page = parse(chromium.dom(card_url))
        assert card["profile"]["name"] in page.text and cid in page.text
        assert len(page.find("svg", "period-chart")) == 1
        assert len(page.find("rect", "amount-bar")) == CARD_PERIODS == len(card["periods"])
        assert len(page.find("circle", "quantity-point")) == CARD_PERIODS
        assert f"{card['health']['score']} / 100" in page.text
        assert any(a.attrs["href"] == f"/ui/managers/{quote(manager, safe='')}" for a in page.find("a"))
        assert first["message"] in page.text
        assert page.find("table", "evidence")
        shot = chromium.screenshot(card_url, ARTIFACTS / f"customer-{cid}.png")
        shutil.copyfile(shot, README_SCREENSHOT)

        managers_page = parse(chromium.dom(f"{worker.url}/ui"))
        assert "Account managers" in managers_page.text
        lookup = worker.get(f"/ui/customers?id={quote(cid)}", allow_redirects=False)
        assert (lookup.status_code, lookup.headers["Location"]) == (303, f"/ui/customers/{quote(cid, safe='')}")
    finally:
        worker.stop()
