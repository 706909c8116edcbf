"""The attack suite: one module per threat (docs/SECURITY.md)."""
