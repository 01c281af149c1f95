"""Adapters: other authorities' exports turned into riskwarn's source tables."""
