"""Fake platform servers on 127.0.0.1 for tests, the demo and the benchmarks."""
