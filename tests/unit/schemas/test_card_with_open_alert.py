"""A card that carries an open alert still matches the published customer-cards schema."""

from agents.core.alerting import open_alerts
from agents.core.apply import apply_event
from agents.core.card import build_card
from agents.core.config import CoreConfig
from agents.core.engine import PartitionEngine
from agents.core.events import Complaint, Profile
from agents.core.rules.config import RulesConfig
from schemas.outputs import CardRecord

DAY = 86_400_000


def test_card_with_open_alert_validates():
    config = CoreConfig()
    states = {"K": apply_event(None, Profile("K", "Key", "mgr", 30, True), config)[0]}
    engine = PartitionEngine(config, RulesConfig())
    engine.apply(Complaint("e1", "K", "c1", "opened", "critical", 20_000 * DAY), states.get, states.__setitem__)
    alerts = engine.advance_to(20_010 * DAY, states.get, states.__setitem__)
    assert alerts, "the critical complaint breaches its 3-day SLA"
    card = build_card(states["K"], 20_010 * DAY, None, config, open_alerts(states["K"]))
    assert card["open_alerts"] and card["open_alerts"][0]["emitted_at"] is None
    CardRecord.model_validate(card)
