"""Importers that mirror Labvanced, Labstep and HyperStudy into the mirror's schema.

One module per source over a shared core (HTTP client, idempotent writer, import runs); see the
open issues. Empty until the first importer lands.
"""
