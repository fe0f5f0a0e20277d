"""Measure: reports computed on the analytics engine over the lake."""
