"""The browser face of payments: the ``iamport.js`` SDK, the hosted payment window, the demo shop."""
