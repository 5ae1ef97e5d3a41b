"""`churnwatch replay FILE --topic T`: import a history file into a topic.

Exit codes: 0 when every row became an event and (unless ``--dry-run``) every event was
acknowledged by Kafka; 2 when rows were rejected (see the reject file) or the file cannot be
read as asked (unknown format, missing columns, malformed text: the rows before a malformed
spot are replayed); 1 when producing failed (this wins over 2: events may be missing from Kafka).
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from churnwatch.producer import ProducerSetupError, default_bootstrap, open_producer
from churnwatch.replay.format import TOPICS
from churnwatch.replay.pipeline import Accepted, Replay, ReplayOptions
from churnwatch.replay.reader import FORMATS, ReplayInputError
from churnwatch.replay.rejects import RejectWriter, default_rejects_path

EXIT_PRODUCE_FAILED = 1
EXIT_REJECTS = 2


def parse_mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        fieldname, sep, column = pair.partition("=")
        if not sep or not fieldname.strip() or not column.strip():
            raise click.BadParameter(f"{pair!r}: expected FIELD=COLUMN, e.g. customer_id=CustomerID", param_hint="--map")
        mapping[fieldname.strip()] = column.strip()
    return mapping


@click.command("replay")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--topic", type=click.Choice(TOPICS), required=True, help="Which input topic (and row layout) the file holds.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Force the format (default: from the extension; .txt = whitespace separated).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=50_000, show_default=True, help="Rows read at a time.")
@click.option("--map", "mappings", multiple=True, metavar="FIELD=COLUMN", help="Read contract FIELD from file COLUMN (repeatable).")
@click.option("--date-format", help="strftime pattern of the dates, e.g. %Y%m%d; naive results are UTC.")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path), help="Reject file [default: FILE.rejects.csv].")
@click.option("--dry-run", is_flag=True, help="Validate every row, produce nothing.")
@click.option("--bootstrap", default=default_bootstrap, show_default="$CHURNWATCH_KAFKA or 127.0.0.1:9092", help="Kafka bootstrap servers.")
@click.option("--topic-prefix", default="", help="Prefix of the topic name.")
@click.option("--partitions", type=click.IntRange(min=1), default=6, show_default=True, help="Partitions if the topic must be created.")
@click.pass_context
def replay_command(ctx: click.Context, file: Path, topic: str, fmt: str | None, chunk_size: int,
                   mappings: tuple[str, ...], date_format: str | None, rejects_path: Path | None, dry_run: bool,
                   bootstrap: str, topic_prefix: str, partitions: int) -> None:
    """Import historical events from FILE (CSV, TSV, whitespace text, Parquet) into a topic.

    Columns named as in the contract need no options. Order files may have one row per order
    line (with sku, category; the lines of an order adjacent) or one row per order. Rows
    without event_id get a content-derived id, stable across replays. Times: RFC 3339 with an
    offset, epoch milliseconds, or a plain date (midnight UTC); date-times without an offset
    only with --date-format (read as UTC). Every event passes the worker's own validation;
    refused rows go to the reject file with their row numbers (data rows counted from 1).
    Exit code: 0 all good, 2 rows rejected (or the file is unreadable), 1 produce failures.
    """
    options = ReplayOptions(fmt, chunk_size, parse_mapping(mappings), date_format)
    try:
        replay = Replay(file, topic, options)
    except ReplayInputError as error:
        raise click.UsageError(str(error)) from None
    name = topic_prefix + topic
    reader = replay.reader
    started = time.monotonic()
    events = rows_read = 0
    broken_file: str | None = None
    with ExitStack() as stack:
        producer = None
        if not dry_run:
            try:
                producer = stack.enter_context(
                    open_producer(bootstrap, [name], partitions, compacted={topic_prefix + "customers"}))
            except ProducerSetupError as error:
                raise click.ClickException(str(error)) from None
        rejects = stack.enter_context(RejectWriter(rejects_path or default_rejects_path(file)))
        progress = stack.enter_context(Progress(
            TextColumn(f"[bold]{file.name}[/] -> {'(dry run)' if dry_run else name}"), BarColumn(),
            MofNCompleteColumn() if reader.fmt == "parquet" else DownloadColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True,
        ))
        task = progress.add_task("replay", total=reader.total)
        try:
            for count, outcome in enumerate(replay.outcomes()):
                rows_read += len(outcome.rows)
                if isinstance(outcome, Accepted):
                    events += 1
                    if producer is not None:
                        producer.send(name, outcome.key, outcome.value)
                else:
                    rejects.write(outcome)
                if count % 2000 == 0:
                    progress.update(task, completed=reader.done)
        except ReplayInputError as error:
            broken_file = str(error)
    failures = [] if producer is None else producer.failures  # final: the producer was flushed and closed
    elapsed = time.monotonic() - started
    summary = [
        ("file", f"{file} ({reader.fmt})"),
        ("topic", name + (" (dry run, nothing produced)" if dry_run else "")),
        ("rows read", str(rows_read)),
        ("events valid" if dry_run else "events produced", str(events - len(failures))),
        ("rows rejected", f"{rejects.rows} -> {rejects.path}"),
        *([("produce failures", f"{len(failures)} (first: {failures[0].error})")] if failures else []),
        ("elapsed", f"{elapsed:.1f}s ({events / elapsed if elapsed else 0:,.0f} events/s)"),
    ]
    for label, value in summary:
        click.echo(f"{label + ':':<17} {value}")
    if broken_file:
        click.echo(f"error: {broken_file}; the rows before it were replayed", err=True)
    if failures:
        ctx.exit(EXIT_PRODUCE_FAILED)
    if rejects.rows or broken_file:
        ctx.exit(EXIT_REJECTS)

