"""Benchmarks run by `make bench` (python -m bench.run); figures in BENCHMARKS.md."""
