"""The synthetic world (and fixture loader) that the four emulators serve."""
