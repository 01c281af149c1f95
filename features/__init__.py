"""Source contracts, loading and validation, the data generator, and point-in-time features."""
