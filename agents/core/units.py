"""Integer units of the core to the JSON numbers of the card.

Amounts are integer cents inside the core and JSON numbers rounded to the cent on the card
(``cents / 100`` is the float nearest to the decimal amount); quantities are integer thousandths
inside and plain numbers on the card.
"""

from __future__ import annotations

from agents.core.events import QUANTITY_SCALE


def amount(cents: int) -> float:
    return cents / 100


def quantity(milli: int) -> float:
    return milli / QUANTITY_SCALE
