"""The rules of SPEC.md. Services take a Database and a Clock, return data, never print."""
