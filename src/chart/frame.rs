//! The chart frame every chart shares: text styles in the bundled font, the title naming the
//! data and its subtitle at the top, and the legend strip below the plot so it never covers
//! data; also the drawing-area and error types every drawing function uses.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chart::style::{self, INK, LEGEND_SIZE, MUTED, SUBTITLE_SIZE, TITLE_SIZE};

/// Errors while drawing are plotters' (or the font's); they carry a message only.
pub(crate) type Res<T> = Result<T, String>;

/// Turns any displayable error into the drawing error message.
pub(crate) fn e<E: std::fmt::Display>(err: E) -> String {
    err.to_string()
}

pub(crate) type Area<DB> = DrawingArea<DB, Shift>;

/// A text style in the bundled font.
pub(crate) fn text(size: f64, color: RGBColor, bold: bool) -> TextStyle<'static> {
    let weight = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    TextStyle {
        font: FontDesc::new(style::family(), size, weight),
        color: color.to_backend_color(),
        pos: Pos::new(HPos::Left, VPos::Top),
    }
}

/// Width of variant `i`'s line: the first variant's is drawn wider and first, so a later
/// variant whose line coincides with it (bucket keys that save nothing) leaves it visible as
/// a border.
pub(crate) fn line_width(i: usize) -> u32 {
    if i == 0 { 6 } else { 3 }
}

/// How a legend entry is drawn.
#[derive(Debug, Clone)]
pub(crate) enum Marker {
    /// A line sample; `dash` draws it dashed.
    Line {
        color: RGBColor,
        width: u32,
        dash: bool,
    },
    /// A filled box (bars, shaded areas), with an optional border.
    Fill {
        color: RGBAColor,
        border: Option<RGBColor>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    pub marker: Marker,
    pub label: String,
}

impl LegendEntry {
    pub fn line(color: RGBColor, dash: bool, label: impl Into<String>) -> LegendEntry {
        LegendEntry {
            marker: Marker::Line {
                color,
                width: 4,
                dash,
            },
            label: label.into(),
        }
    }

    pub fn fill(color: RGBAColor, border: Option<RGBColor>, label: impl Into<String>) -> Self {
        LegendEntry {
            marker: Marker::Fill { color, border },
            label: label.into(),
        }
    }
}

const MARGIN: i32 = 28;
const SAMPLE_W: i32 = 40;
const SAMPLE_GAP: i32 = 10;
const ENTRY_GAP: i32 = 34;
const LEGEND_ROW_H: i32 = 32;

/// Splits `text` into lines no wider than `max_w` pixels in `style`.
pub(crate) fn wrap<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    style: &TextStyle,
    max_w: u32,
) -> Res<Vec<String>> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let candidate = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if !cur.is_empty() && area.estimate_text_size(&candidate, style).map_err(e)?.0 > max_w {
            lines.push(std::mem::replace(&mut cur, word.to_string()));
        } else {
            cur = candidate;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    Ok(lines)
}

/// Fills the background, draws the title and subtitle at the top and the legend strip at the
/// bottom, and returns the area left for the plot.
pub(crate) fn frame<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    subtitle: &str,
    legend: &[LegendEntry],
) -> Res<Area<DB>> {
    root.fill(&WHITE).map_err(e)?;
    let (w, h) = root.dim_in_pixel();
    let max_w = w - 2 * MARGIN as u32;

    let title_style = text(TITLE_SIZE, INK, true);
    let sub_style = text(SUBTITLE_SIZE, MUTED, false);
    let mut y = 18;
    for line in wrap(root, title, &title_style, max_w)? {
        root.draw_text(&line, &title_style, (MARGIN, y))
            .map_err(e)?;
        y += 40;
    }
    for line in wrap(root, subtitle, &sub_style, max_w)? {
        root.draw_text(&line, &sub_style, (MARGIN, y)).map_err(e)?;
        y += 26;
    }
    let top = y + 10;

    // Legend: entries in rows, each row centred.
    let label_style = text(LEGEND_SIZE, INK, false);
    let mut rows: Vec<Vec<(usize, i32)>> = vec![vec![]];
    let mut row_w = 0;
    for (i, entry) in legend.iter().enumerate() {
        let tw = root
            .estimate_text_size(&entry.label, &label_style)
            .map_err(e)?
            .0 as i32;
        let ew = SAMPLE_W + SAMPLE_GAP + tw;
        let need = if row_w == 0 {
            ew
        } else {
            row_w + ENTRY_GAP + ew
        };
        if row_w > 0 && need > max_w as i32 {
            rows.push(vec![]);
            row_w = ew;
        } else {
            row_w = need;
        }
        rows.last_mut().expect("one row").push((i, ew));
    }
    rows.retain(|r| !r.is_empty());
    let legend_h = if rows.is_empty() {
        12
    } else {
        rows.len() as i32 * LEGEND_ROW_H + 14
    };
    let bottom = h as i32 - legend_h;
    for (r, row) in rows.iter().enumerate() {
        let total: i32 =
            row.iter().map(|(_, w)| w).sum::<i32>() + ENTRY_GAP * (row.len() as i32 - 1);
        let mut x = (w as i32 - total) / 2;
        let cy = bottom + 4 + r as i32 * LEGEND_ROW_H + LEGEND_ROW_H / 2;
        for &(i, ew) in row {
            draw_sample(root, &legend[i].marker, x, cy)?;
            root.draw_text(
                &legend[i].label,
                &label_style.pos(Pos::new(HPos::Left, VPos::Center)),
                (x + SAMPLE_W + SAMPLE_GAP, cy),
            )
            .map_err(e)?;
            x += ew + ENTRY_GAP;
        }
    }
    Ok(root
        .clone()
        .shrink((0, top), (w, (bottom - top).max(1) as u32)))
}

fn draw_sample<DB: DrawingBackend>(area: &Area<DB>, m: &Marker, x: i32, cy: i32) -> Res<()> {
    match m {
        Marker::Line { color, width, dash } => {
            let style = ShapeStyle::from(color).stroke_width(*width);
            if *dash {
                let mut sx = x;
                while sx < x + SAMPLE_W {
                    let ex = (sx + 9).min(x + SAMPLE_W);
                    area.draw(&PathElement::new(vec![(sx, cy), (ex, cy)], style))
                        .map_err(e)?;
                    sx += 15;
                }
            } else {
                area.draw(&PathElement::new(vec![(x, cy), (x + SAMPLE_W, cy)], style))
                    .map_err(e)?;
            }
        }
        Marker::Fill { color, border } => {
            let (a, b) = ((x + 4, cy - 10), (x + SAMPLE_W - 4, cy + 10));
            area.draw(&Rectangle::new([a, b], color.filled()))
                .map_err(e)?;
            if let Some(bc) = border {
                area.draw(&Rectangle::new(
                    [a, b],
                    ShapeStyle::from(bc).stroke_width(2),
                ))
                .map_err(e)?;
            }
        }
    }
    Ok(())
}
