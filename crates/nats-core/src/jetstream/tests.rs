//! Unit tests of the JetStream JSON types (fixtures from real servers in `tests/fixtures`).
