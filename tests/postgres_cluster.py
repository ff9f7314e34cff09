"""The tests' throwaway PostgreSQL cluster: it lives in `bench.postgres_cluster`, which the benchmark uses too."""

from bench.postgres_cluster import PostgresCluster, PostgresUnavailable, find_bin_dir, free_port

__all__ = ["PostgresCluster", "PostgresUnavailable", "find_bin_dir", "free_port"]
