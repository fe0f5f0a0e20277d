"""CLI command groups; each module adds its commands to the app in datong.cli."""
