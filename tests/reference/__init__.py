"""Independent re-implementations used as test oracles."""
