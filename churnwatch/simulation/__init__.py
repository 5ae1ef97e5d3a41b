"""`churnwatch simulate`: seeded synthetic customers with scripted churn stories.

Modules: ``spec`` (what a run is asked for, the month calendar), ``population`` (Pareto
revenue, key accounts, managers, ranges, terms), ``scenarios`` (the stories and their onsets),
``generator`` (the pure, deterministic event stream), ``truth`` (the scripted truth file for
backtests) and ``command`` (the click command).
"""
