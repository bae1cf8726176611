"""paymux: a self-hosted payment gateway multiplexer speaking the i'mport (PortOne) V1 API."""

__version__ = "0.1.0"
