"""The index: BM25, sentence vectors, the crash-safe store and the caches beside it."""
