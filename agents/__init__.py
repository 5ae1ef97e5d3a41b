"""Faust agents (thin adapters) and the pure domain core they call (`agents.core`)."""
