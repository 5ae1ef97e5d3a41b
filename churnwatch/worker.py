"""`churnwatch worker`: create the topics, build the app, run a Faust worker."""

from __future__ import annotations

import click
from faust.worker import Worker

from streams.app import create_app
from streams.gc_tuning import tune_gc
from streams.settings import Settings
from streams.ui.auth import bind_refusal
from streams.topics import TopicLayoutError, ensure_topics


def run_worker(settings: Settings, loglevel: str | None = None) -> None:
    problem = bind_refusal(settings.web_host, settings.web_token, settings.web_insecure)
    if problem:
        raise click.ClickException(problem)
    try:
        ensure_topics(settings)
    except TopicLayoutError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # the broker is the usual culprit: say which one
        raise click.ClickException(
            f"cannot reach Kafka at {settings.kafka} ({exc.__class__.__name__}: {exc}); "
            "is it running? (`churnwatch stack up`)"
        ) from None
    app = create_app(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    tune_gc(settings.gc_threshold)
    Worker(app, loglevel=loglevel or settings.log_level, quiet=True).execute_from_commandline()
