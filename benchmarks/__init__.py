"""Performance figures (docs/performance.md), printed as ratios by `make bench` (benchmarks.run_all)."""
