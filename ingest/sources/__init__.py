"""Where pages come from: files on disk and the crawler, each yielding raw pages with provenance."""
