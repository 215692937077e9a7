"""JSON-LD contexts shipped with the harvesters (never fetched over the network)."""
