"""Customer profiles: traits, computed traits and tags per person, kept current on ingest."""
