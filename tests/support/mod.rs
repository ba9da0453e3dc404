//! Shared helpers for the integration tests (`mod support;`).
#![allow(dead_code)]

pub mod driver;
pub mod seed;
pub mod server;
