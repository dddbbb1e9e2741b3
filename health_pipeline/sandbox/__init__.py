"""The sandbox: emulators of the four vendor APIs over a synthetic world (or fixtures), on loopback."""
