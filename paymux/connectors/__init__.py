"""One module per PG behind one interface (``base.Connector``)."""
