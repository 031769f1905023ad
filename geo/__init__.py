"""Where things are: boundaries, datum, plan frames, joins, maps and export."""
