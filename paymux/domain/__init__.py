"""What paymux is about, free of I/O: payments, billing keys, channels, merchants and their rules."""
