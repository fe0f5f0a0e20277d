"""The lake: a Parquet mirror of the event log, partitioned by event date, rebuildable."""
