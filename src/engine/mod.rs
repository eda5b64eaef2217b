//! The discrete-event engine: simulated time, the event queue and the random streams. It
//! knows nothing of S3 or KMS.

pub mod queue;
pub mod rng;
pub mod time;
