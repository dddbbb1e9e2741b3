"""The one Definitions object of the code location."""
import dagster as dg

defs = dg.Definitions()
