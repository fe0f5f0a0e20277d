"""Bulk import of CSV and Parquet exports (POS, web shop) into the event log; see docs/import.md."""

from datong.ingest.importer.mapping import Mapping, load_mapping
from datong.ingest.importer.service import ImportSummary, import_file

__all__ = ["ImportSummary", "Mapping", "import_file", "load_mapping"]
