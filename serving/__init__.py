"""The user-facing edge of riskwarn: the console command and (later) the BentoML service."""
