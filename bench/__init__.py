"""Benchmarks of the read API at lab scale (`make bench`); installed only with MIRROR_BENCH=1."""
