//! Capacity planning over many runs: parameter grids run on all cores ([`runner`]), their
//! output and shards ([`output`]), and the search for the highest safe value of a parameter
//! ([`capacity`]).

pub mod capacity;
pub mod charts;
pub mod grid;
pub mod output;
pub mod row;
pub mod runner;

pub use grid::{Grid, GridValue, Param};
pub use output::{SweepHeader, SweepResults};
pub use row::{Headline, SweepRow};
pub use runner::{Shard, Sweep};
