"""Collection: Segment-spec messages over HTTP, bulk imports, the durable event log."""
