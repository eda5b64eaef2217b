//! The drawing backend every chart draws on: plotters' SVG or bitmap backend with text
//! measured (both) and rasterised (bitmap) from the bundled font by this module.
//!
//! Why not plotters' own `ab_glyph` text: it drops each glyph's left side bearing when it
//! rasterises (letters sit unevenly: "Buck et") and measures text at a size about 11 % larger
//! than the SVG `font-size` it writes. Here text is measured and drawn at the SVG's size
//! (`font-size` = plotters size / 1.24), and placed at the same baseline an SVG viewer uses
//! for each anchor, so PNG and SVG look alike and labels are laid out with their real widths.
//! Thick lines are drawn with a brush in bitmaps (see [`Canvas::draw_path`]).

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, point};
use plotters::prelude::DrawingBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontStyle,
};

use crate::chart::style;

/// plotters' text size over the SVG `font-size` it writes.
const SVG_SIZE_RATIO: f64 = 1.24;

fn fonts() -> Option<&'static (FontRef<'static>, FontRef<'static>)> {
    static FONTS: OnceLock<Option<(FontRef<'static>, FontRef<'static>)>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some((
                FontRef::try_from_slice(style::REGULAR).ok()?,
                FontRef::try_from_slice(style::BOLD).ok()?,
            ))
        })
        .as_ref()
}

/// Glyphs of `text` with their x offsets (pixels from the start), and the total advance.
struct Line {
    glyphs: Vec<(GlyphId, f32)>,
    width: f32,
    /// Pixels per font unit.
    k: f32,
    em: f32,
}

fn layout(font: &FontRef<'static>, size: f64, text: &str) -> Line {
    let em = (size / SVG_SIZE_RATIO) as f32;
    let k = em / font.units_per_em().unwrap_or(2048.0);
    let mut glyphs = Vec::with_capacity(text.len());
    let mut x = 0.0f32;
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            x += font.kern_unscaled(p, id) * k;
        }
        glyphs.push((id, x));
        x += font.h_advance_unscaled(id) * k;
        prev = Some(id);
    }
    Line {
        glyphs,
        width: x,
        k,
        em,
    }
}

fn pick<S: BackendTextStyle>(style: &S) -> Option<&'static FontRef<'static>> {
    let (regular, bold) = fonts()?;
    Some(match style.style() {
        FontStyle::Bold => bold,
        _ => regular,
    })
}

/// A one-pixel stroke of a colour.
struct Thin(BackendColor);

impl BackendStyle for Thin {
    fn color(&self) -> BackendColor {
        self.0
    }

    fn stroke_width(&self) -> u32 {
        1
    }
}

/// A plotters backend with the bundled font's text measuring, and its rasterising when
/// `raster` is set (bitmap backends; SVG leaves drawing text to the viewer).
pub(crate) struct Canvas<B: DrawingBackend> {
    pub inner: B,
    pub raster: bool,
}

impl<B: DrawingBackend> DrawingBackend for Canvas<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let w = style.stroke_width();
        if !self.raster || w <= 1 {
            return self.inner.draw_path(path, style);
        }
        // plotters turns a thick path into a polygon with unlimited miter joins: a line that
        // zigzags from pixel to pixel (a busy time series) grows spikes far outside the plot.
        // Stamp one-pixel paths with a round-ish brush instead.
        let points: Vec<BackendCoord> = path.into_iter().collect();
        let thin = Thin(style.color());
        let (lo, hi) = (-((w as i32 - 1) / 2), w as i32 / 2);
        for dx in lo..=hi {
            for dy in lo..=hi {
                let corner = (dx == lo || dx == hi) && (dy == lo || dy == hi);
                if corner && w >= 3 {
                    continue;
                }
                self.inner
                    .draw_path(points.iter().map(|&(x, y)| (x + dx, y + dy)), &thin)?;
            }
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        match pick(style) {
            Some(font) => {
                let l = layout(font, style.size(), text);
                Ok((l.width.ceil() as u32, l.em.ceil() as u32))
            }
            None => self.inner.estimate_text_size(text, style),
        }
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let font = match pick(style) {
            Some(f) if self.raster => f,
            _ => return self.inner.draw_text(text, style, pos),
        };
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let l = layout(font, style.size(), text);
        // Where an SVG viewer puts the baseline for plotters' anchors (`dy` = 0.76em,
        // 0.5ex, -0.5ex), and the start of the line for text-anchor start/middle/end.
        let x_height = font
            .outline(font.glyph_id('x'))
            .map(|o| (o.bounds.max.y - o.bounds.min.y).abs())
            .unwrap_or(1082.0)
            * l.k;
        let anchor = style.anchor();
        let base_y = match anchor.v_pos {
            VPos::Top => 0.76 * l.em,
            VPos::Center => 0.5 * x_height,
            VPos::Bottom => -0.5 * x_height,
        };
        let start_x = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -l.width / 2.0,
            HPos::Right => -l.width,
        };
        let scale = font.height_unscaled() * l.k;
        let trans = style.transform();
        let (w, h) = self.get_size();
        for (id, gx) in &l.glyphs {
            let glyph = id.with_scale_and_position(scale, point(start_x + gx, base_y));
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let b = outline.px_bounds();
            let mut pixels = Vec::new();
            outline.draw(|x, y, c| pixels.push((x, y, c)));
            for (x, y, c) in pixels {
                if c <= 0.0 {
                    continue;
                }
                let lx = b.min.x as i32 + x as i32;
                let ly = b.min.y as i32 + y as i32;
                let (tx, ty) = trans.transform(lx, ly);
                let (px, py) = (pos.0 + tx, pos.1 + ty);
                if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                    let a = color.alpha * (c.min(1.0) as f64);
                    self.inner.draw_pixel(
                        (px, py),
                        BackendColor {
                            alpha: a,
                            rgb: color.rgb,
                        },
                    )?;
                }
            }
        }
        Ok(())
    }
}
