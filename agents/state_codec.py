"""The Faust codec of the `customer-state` table: compact JSON of `CustomerState.to_dict()`.

Registered under the name ``churnwatch-state``; `orjson` keeps the changelog write path cheap.
"""

from __future__ import annotations

import orjson
from faust.serializers import codecs

from agents.core.state import CustomerState

CODEC_NAME = "churnwatch-state"


def encode(state: CustomerState) -> bytes:
    """A state's changelog (and rocksdb) value: what the codec writes, without Faust's codec chain."""
    return orjson.dumps(state.to_dict())


class StateCodec(codecs.Codec):
    def _dumps(self, obj: CustomerState) -> bytes:
        return encode(obj)

    def _loads(self, s: bytes) -> CustomerState:
        return CustomerState.from_dict(orjson.loads(s))


def register() -> None:
    codecs.register(CODEC_NAME, StateCodec())
