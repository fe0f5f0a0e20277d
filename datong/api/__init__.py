"""The HTTP layer: dependencies, error rendering, and the JSON API routes."""
