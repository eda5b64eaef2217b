//! The look shared by every chart and the HTML report: one colour per variant (by its position
//! in the scenario, the same in every chart and in the report's tables), the bundled font and
//! the sizes that keep a 1280×720 chart readable on a slide.
//!
//! The font is Liberation Sans 2.1.5 (SIL Open Font License 1.1, `assets/fonts/LICENSE`),
//! compiled into the binary and registered with plotters' `ab_glyph` text renderer, so PNGs
//! render the same on a machine with no system fonts at all. Liberation Sans has the metrics
//! of Arial/Helvetica: SVG text, which the viewer draws with its own copy of the family
//! named in [`FONT_FAMILY`] (or a metric-compatible fallback), lines up with the layout
//! plotters computed.

use std::sync::OnceLock;

use plotters::style::{FontFamily, FontStyle, RGBColor};

/// The font family name plotters writes into SVG `font-family` attributes and under which the
/// bundled font is registered for PNG rendering.
pub const FONT_FAMILY: &str = "Liberation Sans, Arial, Helvetica, sans-serif";

pub(crate) static REGULAR: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Regular.ttf");
pub(crate) static BOLD: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Bold.ttf");

/// Registers the bundled font with plotters (once per process). Returns false if the font
/// data could not be parsed, which would be a build defect.
pub fn register_fonts() -> bool {
    static DONE: OnceLock<bool> = OnceLock::new();
    *DONE.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, REGULAR).is_ok()
            && plotters::style::register_font(FONT_FAMILY, FontStyle::Bold, BOLD).is_ok()
    })
}

/// The family to give plotters' text styles.
pub fn family() -> FontFamily<'static> {
    FontFamily::Name(FONT_FAMILY)
}

/// Chart size in pixels (SVG user units and PNG pixels alike): 16:9, slide-sized.
pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 720;

/// Font sizes in plotters' units (pixels of the font's ascent plus descent).
pub const TITLE_SIZE: f64 = 34.0;
pub const SUBTITLE_SIZE: f64 = 21.0;
pub const AXIS_LABEL_SIZE: f64 = 23.0;
pub const TICK_SIZE: f64 = 20.0;
pub const LEGEND_SIZE: f64 = 21.0;
pub const ANNOTATION_SIZE: f64 = 19.0;

/// Colour-blind-safe palette (Okabe & Ito without the yellow that vanishes on white, then
/// three of Tol's muted colours), in the order variants are declared. More variants than
/// colours cycle through it again.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(90, 90, 90),    // dark grey
    RGBColor(136, 34, 85),   // wine
    RGBColor(153, 153, 51),  // olive
    RGBColor(51, 34, 136),   // indigo
];

/// The colour of the `i`-th variant.
pub fn variant_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The colour of the `i`-th variant as `#rrggbb`, for HTML.
pub fn variant_hex(i: usize) -> String {
    let RGBColor(r, g, b) = variant_color(i);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// `c` mixed with white: `amount` 0 is `c`, 1 is white.
pub fn tint(c: RGBColor, amount: f64) -> RGBColor {
    let mix = |x: u8| (x as f64 + (255.0 - x as f64) * amount).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Reference lines (the quota) and text.
pub const INK: RGBColor = RGBColor(30, 30, 30);
/// Secondary text (subtitles, notes).
pub const MUTED: RGBColor = RGBColor(85, 85, 85);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(225, 225, 225);
/// Background traffic and other "not this scenario" marks.
pub const NEUTRAL: RGBColor = RGBColor(140, 140, 140);
/// The warm-up band.
pub const WARMUP_FILL: RGBColor = RGBColor(238, 238, 238);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_registers_and_colours_are_stable() {
        assert!(register_fonts());
        assert!(register_fonts());
        assert_eq!(variant_hex(0), "#0072b2");
        assert_eq!(variant_hex(10), variant_hex(0));
        assert_ne!(variant_hex(0), variant_hex(1));
        assert_eq!(tint(RGBColor(0, 0, 0), 1.0), RGBColor(255, 255, 255));
        assert_eq!(tint(RGBColor(10, 20, 30), 0.0), RGBColor(10, 20, 30));
    }
}
