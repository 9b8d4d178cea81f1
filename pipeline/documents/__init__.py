"""Text to entities, for the predict command and the server: documents split into sentences, sentences into
words, long sentences into overlapping windows, and the output records with character offsets."""
