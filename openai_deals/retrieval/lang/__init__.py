"""French language data for the analyzer: small modules of constants, no logic."""
