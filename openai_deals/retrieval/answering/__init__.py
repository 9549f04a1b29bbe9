"""From a question to an Answer: query, backend, rerank, reader, decide, snippets, engine."""
