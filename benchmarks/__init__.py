"""Performance figures of DESIGN §9 / issue 9, printed as ratios by `make bench` (benchmarks.run_all)."""
