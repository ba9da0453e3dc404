//! STAND-IN until helper A's skeleton lands (replaced by A's consumer.rs at the merge).
#![allow(missing_docs)]
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeliverPolicy {
    #[default]
    All,
    Last,
    New,
    ByStartSequence,
    ByStartTime,
    LastPerSubject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AckPolicy {
    None,
    All,
    #[default]
    Explicit,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConsumerConfig {
    pub name: Option<String>,
    pub durable_name: Option<String>,
    pub deliver_subject: Option<String>,
    pub deliver_policy: DeliverPolicy,
    pub opt_start_seq: Option<u64>,
    pub opt_start_time: Option<u64>,
    pub ack_policy: AckPolicy,
    pub max_deliver: Option<i64>,
    pub filter_subject: Option<String>,
    pub filter_subjects: Vec<String>,
    pub flow_control: bool,
    pub idle_heartbeat: Option<Duration>,
    pub headers_only: bool,
    pub mem_storage: bool,
    pub num_replicas: usize,
    pub inactive_threshold: Option<Duration>,
}
