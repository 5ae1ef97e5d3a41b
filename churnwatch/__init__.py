"""churnwatch tools: the command line, the embedded local stack, simulator, replay, backtest."""
