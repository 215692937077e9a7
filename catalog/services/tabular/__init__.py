"""Tabular files made public: reading them, typing their columns, converting them, querying their rows.

`services.public_files` runs these steps when a file becomes public; pages and the API read what
it stored (`models.PublicFile`) and never parse a file on a page view."""
