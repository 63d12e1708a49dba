"""Benchmarks: teambot's figure against an anchor measured in the same run, reported as a ratio."""
