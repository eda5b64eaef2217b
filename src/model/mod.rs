//! The simulation model: workloads, clients with retry policies, the S3 front end and KMS.
