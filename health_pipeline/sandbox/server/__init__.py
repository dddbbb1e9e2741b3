"""The emulators' shared HTTP server, fault plans and loopback TLS."""
