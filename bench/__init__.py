"""Benchmarks of Orbit Trivia: the real bot under load against a local fake Discord, a bare baseline, storage.

``python -m bench`` runs the load benchmark, ``python -m bench storage`` the storage micro-benchmarks; see
BENCHMARKS.md for the figures and how to read them.
"""
