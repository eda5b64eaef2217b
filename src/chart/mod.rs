//! The chart toolkit run charts ([`crate::report::charts`]) and sweep charts
//! ([`crate::sweep::charts`]) both draw with; neither reaches into the other.
//!
//! - [`set`]: a set of charts (kinds with their file stems, captions, drawings) and the one
//!   path that renders a set to SVG and PNG and writes it into [`CHARTS_DIR`], removing the
//!   set's stale files;
//! - [`document`]: a drawing rendered as an SVG document or a PNG file;
//! - [`canvas`]: the plotters backend with the bundled font's text measuring and rasterising;
//! - [`style`]: size, font, text sizes and colours (one per variant, also used by the HTML
//!   report);
//! - [`frame`]: title, subtitle and legend strip around the plot;
//! - [`scale`]: linear and log scales, nice steps, axes with explicit ticks;
//! - [`format`]: every number formatter (counts, milliseconds, dollars, percentages, words).
//!
//! Output depends only on what is drawn: the same data gives byte-identical SVG and PNG.

pub(crate) mod canvas;
pub(crate) mod document;
pub mod format;
pub(crate) mod frame;
pub(crate) mod scale;
pub mod set;
pub mod style;
#[cfg(test)]
pub(crate) mod testing;

pub use document::ChartError;
pub(crate) use format::{
    fmt_count, fmt_ms, fmt_number, fmt_pct, fmt_usd, fmt_usd_tick, fmt_words, sig3,
};
pub(crate) use frame::{Area, LegendEntry, Res, e, frame, line_width, text};
pub(crate) use scale::{LOG_RATIO, Scale, axis, nice_step};
pub(crate) use set::chart_kinds;
pub use set::{
    CHARTS_DIR, Chart, ChartFormats, ChartKind, ChartSet, Rendered, charts, render, render_png,
    render_svg, write,
};
