"""Wire contracts of churnwatch's Kafka topics, as pydantic models and exported JSON Schema.

Inputs (`orders`, `payments`, `complaints`, `customers`; key = customer_id) are validated by these
models and decoded into the core's dataclasses by `streams.codec`. Outputs (`churn-alerts`,
`customer-cards`, `churnwatch-dlq`) are documented by them. `schemas/json/<topic>.schema.json` is
generated from the models (`python -m schemas`) and is what downstream systems read.

Wire rules in brief: amounts are JSON numbers, rounded to the cent half up, >= 0; quantities are
JSON numbers rounded to 0.001, > 0; `occurred_at` is RFC 3339 with an offset or integer epoch
milliseconds, normalised to UTC; an order's amount and quantity equal the sums of its lines when
lines are given; unknown extra fields are ignored (forward compatibility); types are strict.
"""

from schemas.export import TOPIC_MODELS, export_json_schemas
from schemas.inputs import ComplaintRecord, CustomerRecord, OrderLineRecord, OrderRecord, PaymentRecord
from schemas.outputs import AlertRecord, CardRecord, DeadLetterRecord
from schemas.reasons import Reason

__all__ = [
    "TOPIC_MODELS",
    "AlertRecord",
    "CardRecord",
    "ComplaintRecord",
    "CustomerRecord",
    "DeadLetterRecord",
    "OrderLineRecord",
    "OrderRecord",
    "PaymentRecord",
    "Reason",
    "export_json_schemas",
]
