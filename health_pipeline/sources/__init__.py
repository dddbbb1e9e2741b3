"""The source vendors: the registry, the resource factory, what they share, and one folder per vendor."""
