"""care's platform simulator: X API v2 and the Graph API, served locally (see docs/simulator.md)."""
