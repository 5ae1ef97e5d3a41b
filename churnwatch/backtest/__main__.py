"""``python -m churnwatch.backtest FILE...``: the backtest command without the console script."""

from churnwatch.backtest.command import backtest_command

backtest_command(prog_name="churnwatch backtest")
