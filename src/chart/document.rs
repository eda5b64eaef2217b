//! Chart documents: a [`Drawing`] rendered on the [`Canvas`] as an SVG document (with a
//! `<title>` for screen readers and long point lists wrapped for readable diffs) or as an
//! 8-bit RGB PNG file, both 1280×720 and both depending only on what is drawn.

use plotters::prelude::*;

use crate::chart::canvas::Canvas;
use crate::chart::frame::{Area, e};
use crate::chart::style;

/// A chart could not be drawn or encoded.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot draw chart {chart}: {message}")]
    Draw { chart: String, message: String },
    #[error("cannot encode chart {chart} as PNG: {message}")]
    Encode { chart: String, message: String },
}

/// A chart that can be drawn on any plotters backend: what [`svg_document`] and
/// [`png_document`] render. Every chart of a [`crate::chart::ChartSet`] is drawn through it,
/// so run charts and sweep charts share the canvas, the font and the encoding.
pub(crate) trait Drawing {
    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> Result<(), String>;
}

/// Registers the font, draws `d` and presents the result.
fn draw_on<DB: DrawingBackend>(root: &Area<DB>, d: &impl Drawing) -> Result<(), String> {
    if !style::register_fonts() {
        return Err("the bundled font could not be loaded".into());
    }
    d.draw(root)?;
    root.present().map_err(e)
}

/// `d` as an SVG document (UTF-8 text, final newline) titled `title` (the `<title>` element,
/// for screen readers); `stem` names the chart in errors.
pub(crate) fn svg_document(
    stem: &str,
    title: &str,
    d: &impl Drawing,
) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = Canvas {
            inner: SVGBackend::with_string(&mut svg, (style::WIDTH, style::HEIGHT)),
            raster: false,
        }
        .into_drawing_area();
        draw_on(&root, d).map_err(|message| ChartError::Draw {
            chart: stem.to_string(),
            message,
        })?;
    }
    // Give the document a title (the first child of the root element).
    if let Some(end) = svg.find('>') {
        let title = format!("\n<title>{}</title>", xml_escape(title));
        svg.insert_str(end + 1, &title);
    }
    if !svg.ends_with('\n') {
        svg.push('\n');
    }
    Ok(wrap_points(&svg))
}

/// Points of a polyline or polygon per line of the SVG text.
const POINTS_PER_LINE: usize = 12;

/// Breaks long `points="…"` lists (a time series is one polyline of a thousand points) into
/// lines of [`POINTS_PER_LINE`] points, so a change to the data shows as a readable diff of
/// the committed charts rather than one changed line of 30 kB. Whitespace in `points` is
/// insignificant, so the drawing is unchanged.
fn wrap_points(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len() + svg.len() / 50);
    let mut rest = svg;
    while let Some(i) = rest.find(" points=\"") {
        let start = i + " points=\"".len();
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('"') else {
            break;
        };
        let list: Vec<&str> = rest[start..start + len].split_whitespace().collect();
        for (k, chunk) in list.chunks(POINTS_PER_LINE).enumerate() {
            if k > 0 {
                out.push('\n');
            }
            out.push_str(&chunk.join(" "));
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// `d` as a PNG file (8-bit RGB); `stem` names the chart in errors.
pub(crate) fn png_document(stem: &str, d: &impl Drawing) -> Result<Vec<u8>, ChartError> {
    let (w, h) = (style::WIDTH, style::HEIGHT);
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = Canvas {
            inner: BitMapBackend::with_buffer(&mut pixels, (w, h)),
            raster: true,
        }
        .into_drawing_area();
        draw_on(&root, d).map_err(|message| ChartError::Draw {
            chart: stem.to_string(),
            message,
        })?;
    }
    let encode_err = |e: png::EncodingError| ChartError::Encode {
        chart: stem.to_string(),
        message: e.to_string(),
    };
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        enc.set_filter(png::Filter::Up);
        let mut writer = enc.write_header().map_err(encode_err)?;
        writer.write_image_data(&pixels).map_err(encode_err)?;
        writer.finish().map_err(encode_err)?;
    }
    Ok(out)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_lists_are_wrapped() {
        let pts: Vec<String> = (0..30).map(|i| format!("{i},{i}")).collect();
        let svg = format!(
            "<svg>\n<polyline fill=\"none\" points=\"{}\"/>\n</svg>\n",
            pts.join(" ")
        );
        let w = wrap_points(&svg);
        assert_eq!(w.lines().count(), 5, "{w}");
        assert!(w.contains("10,10 11,11\n12,12 13,13"), "{w}");
        assert_eq!(
            w.split_whitespace().collect::<Vec<_>>(),
            svg.split_whitespace().collect::<Vec<_>>()
        );
        assert_eq!(wrap_points("<svg/>"), "<svg/>");
    }
}
