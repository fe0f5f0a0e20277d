"""Console pages, one module per area; each is a thin layer over the domain services."""
