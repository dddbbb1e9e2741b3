"""Extraction runs: a vendor client's pages streamed through the pure accumulators into a metrics frame."""
