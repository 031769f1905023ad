"""What is there and what it means: records, chain graphs, metrics, gaps, coverage."""
