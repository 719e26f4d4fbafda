"""Benchmarks: `make bench` prints one line per figure, `<name> <value> <unit>`."""
