"""The pure domain core of churnwatch: typed functions and small dataclasses, no I/O.

Everything here works on plain data (integer cents, epoch milliseconds UTC) so that the
Faust agents, the backtest and the unit tests drive exactly the same code.
"""
