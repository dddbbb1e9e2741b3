"""Tests of the package layout: import graph and purity."""
