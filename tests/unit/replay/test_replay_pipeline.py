"""Rows -> validated events: counts, reject reasons and row numbers, chunking, formats, ids."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from agents.core.events import Order, OrderLine, Payment
from churnwatch.replay.command import replay_command
from churnwatch.replay.format import ReplayFileWriter
from churnwatch.replay.pipeline import Accepted, Rejected, Replay, ReplayOptions
from churnwatch.replay.reader import ReplayInputError
from churnwatch.simulation.generator import simulate
from churnwatch.simulation.spec import SimulationSpec
from streams.codec import decode


def outcomes(path: Path, topic: str, **options: object) -> list[Accepted | Rejected]:
    return list(Replay(path, topic, ReplayOptions(**options)).outcomes())


def accepted(results: list[Accepted | Rejected]) -> list[Accepted]:
    return [r for r in results if isinstance(r, Accepted)]


def rejected(results: list[Accepted | Rejected]) -> list[Rejected]:
    return [r for r in results if isinstance(r, Rejected)]


def test_broken_payment_rows_are_rejected_with_row_field_and_reason(write, broken_payments) -> None:
    text, expected_rejects = broken_payments
    results = outcomes(write("payments.csv", text), "payments")
    assert [r.rows for r in accepted(results)] == [(1,), (2,), (8,)]
    assert {r.rows[0]: (r.field, r.reason) for r in rejected(results)} == expected_rejects
    good = [r.event for r in accepted(results)]
    assert good[0] == Payment("p1", "C1", "I1", "invoice", 10_000, 1_704_448_800_000, 1_707_040_800_000)
    assert good[1].kind == "payment" and good[1].occurred_ms == 1_706_749_200_000
    assert good[2].event_id.startswith("r-")


def test_broken_order_lines_reject_whole_orders(write, broken_orders) -> None:
    text, expected_rejects = broken_orders
    results = outcomes(write("orders.csv", text), "orders")
    orders = [r.event for r in accepted(results)]
    assert [o.order_id for o in orders] == ["O1", "O5"]
    assert orders[0].lines == (OrderLine("A", "valves", 2000, 1050), OrderLine("B", "gaskets", 1000, 320))
    assert (orders[0].amount_cents, orders[0].quantity_milli) == (1370, 3000)
    assert (orders[1].amount_cents, orders[1].quantity_milli, len(orders[1].lines)) == (1200, 5250, 3)
    assert {r.rows: (r.field, r.reason) for r in rejected(results)} == expected_rejects


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 7])
def test_chunked_replay_equals_whole_file_replay(write, broken_orders, chunk_size: int) -> None:
    path = write("orders.csv", broken_orders[0])
    assert outcomes(path, "orders", chunk_size=chunk_size) == outcomes(path, "orders", chunk_size=10_000)


def test_an_order_split_by_a_chunk_boundary_stays_one_order(write) -> None:
    path = write("orders.csv", "order_id,sku,category,quantity,amount,customer_id,occurred_at\n"
                 + "".join(f"O1,S{i},c{i % 3},1,1,C1,2024-03-01T09:00:00Z\n" for i in range(5))
                 + "O2,S,c,1,1,C1,2024-03-02T09:00:00Z\n")
    results = outcomes(path, "orders", chunk_size=2)
    assert [(r.event.order_id, len(r.event.lines), r.rows) for r in accepted(results)] == [
        ("O1", 5, (1, 2, 3, 4, 5)), ("O2", 1, (6,))]


def test_one_row_per_order_without_lines(write) -> None:
    path = write("orders.tsv", "order_id\tcustomer_id\tamount\tquantity\toccurred_at\n"
                 "SO-1\tC9\t1250.5\t13\t2024-03-01T09:30:00+08:00\n")
    [result] = outcomes(path, "orders")
    assert result.event == Order(result.event.event_id, "C9", "SO-1", 1_709_256_600_000, 125_050, 13_000, ())


def test_mapping_date_format_and_derived_ids(write) -> None:
    text = "Kunde;Rechnung;Art;Betrag;Datum\nC7;R1;invoice;19.99;19970101\n"
    path = write("export.txt", text.replace(";", "  "))
    options = dict(mapping={"customer_id": "Kunde", "invoice_id": "Rechnung", "kind": "Art",
                            "amount": "Betrag", "occurred_at": "Datum"}, date_format="%Y%m%d")
    [first] = outcomes(path, "payments", **options)
    assert first.event.occurred_ms == 852_076_800_000 and first.event.amount_cents == 1999
    again = write("copy.csv", text.replace(";", ",").replace("19.99", "19.990"))
    [second] = outcomes(again, "payments", **options)
    assert second.event.event_id == first.event.event_id  # same content, other file and spelling


def test_compact_dates_without_a_format_are_refused_not_misread(write) -> None:
    path = write("p.csv", "customer_id,invoice_id,kind,amount,occurred_at\nC1,I1,invoice,1,19970101\n")
    [result] = outcomes(path, "payments")
    assert (result.field, result.reason) == ("occurred_at", "implausible_epoch_ms")


def test_missing_columns_and_bad_mappings_fail_the_whole_file(write) -> None:
    path = write("p.csv", "customer_id,amount\nC1,1\n")
    with pytest.raises(ReplayInputError, match="invoice_id"):
        Replay(path, "payments")
    with pytest.raises(ReplayInputError, match="Nope"):
        Replay(path, "payments", ReplayOptions(mapping={"invoice_id": "Nope"}))
    with pytest.raises(ReplayInputError, match="invoce_id"):
        Replay(path, "payments", ReplayOptions(mapping={"invoce_id": "amount"}))


def test_parquet_and_csv_give_the_same_events(tmp_path: Path, write, broken_orders) -> None:
    csv_path = write("orders.csv", broken_orders[0])
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    parquet_path = tmp_path / "orders.parquet"
    frame.to_parquet(parquet_path, row_group_size=4)
    from_csv = outcomes(csv_path, "orders")
    from_parquet = outcomes(parquet_path, "orders", chunk_size=3)
    assert [r.event for r in accepted(from_parquet)] == [r.event for r in accepted(from_csv)]
    assert [r.rows for r in rejected(from_parquet)] == [r.rows for r in rejected(from_csv)]


def test_simulated_files_replay_to_the_simulated_events(tmp_path: Path) -> None:
    spec = SimulationSpec(customers=40, months=4, seed=3)
    events = list(simulate(spec))
    with ReplayFileWriter(tmp_path) as writer:
        for event in events:
            writer.write(event)
    replayed = []
    for topic in ("customers", "orders", "payments", "complaints"):
        results = outcomes(tmp_path / f"{topic}.csv", topic, chunk_size=100)
        assert not rejected(results)
        replayed += [r.event for r in results]
    assert sorted(replayed, key=repr) == sorted(events, key=repr)


def test_accepted_bytes_decode_to_the_event(write, broken_orders) -> None:
    for result in accepted(outcomes(write("orders.csv", broken_orders[0]), "orders")):
        assert decode("orders", result.key.encode(), result.value, now_ms=2**42) == result.event


def test_command_exit_codes_and_reject_file(write, broken_orders, tmp_path: Path) -> None:
    text, expected_rejects = broken_orders
    path = write("orders.csv", text)
    result = CliRunner().invoke(replay_command, [str(path), "--topic", "orders", "--dry-run", "--chunk-size", "2"])
    assert result.exit_code == 2, result.output
    assert "rows read:        12" in result.output and "rows rejected:    7 " in result.output
    with (tmp_path / "orders.csv.rejects.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["rows"], r["field"], r["reason"]) for r in rows] == [
        (";".join(map(str, numbers)), fieldname, reason) for numbers, (fieldname, reason) in expected_rejects.items()]
    clean = write("clean.csv", "\n".join(text.splitlines()[:3]) + "\n")
    ok = CliRunner().invoke(replay_command, [str(clean), "--topic", "orders", "--dry-run"])
    assert ok.exit_code == 0, ok.output
    usage = CliRunner().invoke(replay_command, [str(clean), "--topic", "payments", "--dry-run"])
    assert usage.exit_code == 2 and "invoice_id" in usage.output
