"""Plotting (matplotlib): scale distributions and matchings. Filled in by later releases."""

__all__: list[str] = []
