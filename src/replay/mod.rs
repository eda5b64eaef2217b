//! Replaying real traffic: S3 server access logs, CloudTrail data events and CSV read from
//! files as AWS delivers them ([`parse`], [`files`]), ordered by time and offered to the model
//! as a workload ([`trace`]).

pub mod entry;
pub mod generate;
