"""Entity-level scoring with seqeval and span-level error analysis."""
