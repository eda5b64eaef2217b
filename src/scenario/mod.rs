//! The scenario file: parsing with positions, dotted-path overrides, validation into
//! [`Scenario`], defaults and presets.

mod model;
pub use model::*;
