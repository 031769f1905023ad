"""Benchmarks (not timed tests): ``python -m bench`` prints ratios against the peers.

See :mod:`bench.run` for what is measured and how; :mod:`bench.cases` runs each case in its own
process; :mod:`bench.data` makes the seeded inputs.
"""
