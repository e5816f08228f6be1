"""Performance and quality harnesses (`make bench`); each writes benchmarks/results/<name>.json."""
