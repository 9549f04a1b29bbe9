"""Deals: read from the indexed sentences, merged into records; the corpus overview."""
