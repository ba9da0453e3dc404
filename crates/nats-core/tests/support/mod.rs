//! Shared helpers for the integration tests (`mod support;`).
#![allow(dead_code)]

pub mod connz;
pub mod driver;
pub mod jwt;
pub mod model;
pub mod oracle;
pub mod peer;
pub mod prng;
pub mod seed;
pub mod server;
