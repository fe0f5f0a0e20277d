"""datong (打通): omnichannel customer data, loyalty and marketing for retailers."""

__version__ = "0.1.0"
