"""Package data: the curated protein → gene table (see its header for provenance)."""
