//! Replaying real traffic: S3 server access logs, CloudTrail data events and CSV read from
//! files as AWS delivers them ([`parse`], [`files`]), each request made compact
//! ([`record`]), put in time order in bounded memory ([`order`]) and described ([`facts`]) by
//! [`load`]; the model offers the result as a workload. [`generate`] writes realistic
//! synthetic logs for examples, tests and benchmarks.

pub mod entry;
pub mod facts;
pub mod files;
pub mod generate;
pub mod load;
pub mod order;
pub mod parse;
pub mod record;
