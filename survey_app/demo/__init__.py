"""The Hương Sơn demo: illustrative units and counts, an open round with synthetic responses, a
PAR round and demo staff accounts (``flask setup-demo``)."""
