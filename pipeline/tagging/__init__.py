"""BIO tags and their entity-level scores (seqeval): what training validates with and evaluation tests with."""
