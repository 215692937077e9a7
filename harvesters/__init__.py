"""Harvesters: collect metadata from other catalogues and systems into the registry."""
