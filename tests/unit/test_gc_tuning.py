"""The worker's garbage-collector tuning, its setting, and the metrics that show its effect."""

import gc

import pytest
from prometheus_client import generate_latest

from streams.gc_tuning import tune_gc
from streams.metrics import Metrics
from streams.settings import Settings, SettingsError


@pytest.fixture
def restored_gc():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_tuning_freezes_what_exists_and_sets_the_young_threshold_only(restored_gc):
    gc.unfreeze()
    _, middle, old = gc.get_threshold()
    tune_gc(12_345)
    assert gc.get_threshold() == (12_345, middle, old)
    assert gc.get_freeze_count() > 1000  # at least the modules imported so far


def test_the_threshold_is_a_setting_with_a_default_above_pythons():
    assert Settings.from_env({}).gc_threshold == 20_000 > 700
    assert Settings.from_env({"CHURNWATCH_GC_THRESHOLD": "700"}).gc_threshold == 700
    with pytest.raises(SettingsError, match="CHURNWATCH_GC_THRESHOLD='0': must be >= 1"):
        Settings.from_env({"CHURNWATCH_GC_THRESHOLD": "0"})


def test_metrics_show_collections_and_process_memory_in_every_registry():
    for metrics in (Metrics.create(), Metrics.create()):  # one registry per app, several apps per process
        text = generate_latest(metrics.registry).decode()
        assert 'python_gc_collections_total{generation="2"}' in text
        assert "process_resident_memory_bytes" in text
