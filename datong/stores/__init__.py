"""Physical stores: code, name, address, location, time zone and opening hours."""
