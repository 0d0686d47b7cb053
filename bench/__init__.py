"""Reproducible benchmarks that print a table; not tests (`make bench`, `make bench-full`)."""
