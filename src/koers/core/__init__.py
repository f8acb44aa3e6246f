"""Cross-cutting Django helpers shared by the apps (fields, errors, audit)."""
