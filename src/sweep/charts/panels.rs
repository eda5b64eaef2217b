//! Small multiples: a grid of equally sized panels sharing their axes, with the axis
//! descriptions drawn once for the whole grid (the y one rotated on the left, the x one
//! centred below).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chart::style::{AXIS_LABEL_SIZE, INK};
use crate::chart::{Area, Res, e, text};

/// Rows and columns for `n` panels on a 16:9 chart.
pub(crate) fn shape(n: usize) -> (usize, usize) {
    match n {
        0 | 1 => (1, 1),
        2..=4 => (1, n),
        5 | 6 => (2, 3),
        7 | 8 => (2, 4),
        9 => (3, 3),
        _ => (n.div_ceil(4), 4),
    }
}

/// Space around and between panels, in pixels of the plot area.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Gutters {
    /// Left of the first column: the y description and the y tick labels.
    pub left: i32,
    /// Right of the last column (a colour scale, or a margin).
    pub right: i32,
    /// Above each panel: its title (0 without titles).
    pub title: i32,
    /// Below each panel: its x tick labels.
    pub ticks: i32,
    /// Below the last row: the x description.
    pub bottom: i32,
    /// Between columns.
    pub col_gap: i32,
    /// Between rows, beyond the title and tick strips.
    pub row_gap: i32,
}

/// One panel's plot rectangle, in pixels of the plot area.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cell {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
    pub col: usize,
}

/// The plot rectangles of `n` panels in an area `w`×`h`, row by row.
pub(crate) fn cells(n: usize, w: i32, h: i32, g: &Gutters) -> Vec<Cell> {
    let (rows, cols) = shape(n);
    let (r, c) = (rows as i32, cols as i32);
    let cw = ((w - g.left - g.right - (c - 1) * g.col_gap) / c).max(20);
    let ch = ((h - g.bottom - r * (g.title + g.ticks) - (r - 1) * g.row_gap) / r).max(20);
    (0..n)
        .map(|i| {
            let (row, col) = (i / cols, i % cols);
            Cell {
                x: g.left + col as i32 * (cw + g.col_gap),
                y: row as i32 * (g.title + ch + g.ticks + g.row_gap) + g.title,
                w: cw,
                h: ch,
                col,
            }
        })
        .collect()
}

/// The sub-area of `area` holding a panel's plot, `left` pixels of y labels to its left and
/// `below` pixels of x labels under it: what a `ChartBuilder` with those label areas needs.
pub(crate) fn panel_area<DB: DrawingBackend>(
    area: &Area<DB>,
    c: &Cell,
    left: i32,
    below: i32,
) -> Area<DB> {
    area.clone().shrink(
        (c.x - left, c.y),
        ((c.w + left).max(1) as u32, (c.h + below).max(1) as u32),
    )
}

/// The y axis description, rotated, centred on the rows from `top` to `bottom`, its left
/// edge at `x`.
pub(crate) fn y_desc<DB: DrawingBackend>(
    area: &Area<DB>,
    desc: &str,
    x: i32,
    top: i32,
    bottom: i32,
) -> Res<()> {
    let st = text(AXIS_LABEL_SIZE, INK, false)
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Center, VPos::Top));
    area.draw_text(desc, &st, (x, (top + bottom) / 2))
        .map_err(e)
}

/// The x axis description, centred between `left` and `right`, its top at `y`.
pub(crate) fn x_desc<DB: DrawingBackend>(
    area: &Area<DB>,
    desc: &str,
    left: i32,
    right: i32,
    y: i32,
) -> Res<()> {
    let st = text(AXIS_LABEL_SIZE, INK, false).pos(Pos::new(HPos::Center, VPos::Top));
    area.draw_text(desc, &st, ((left + right) / 2, y))
        .map_err(e)
}

/// Text width in pixels.
pub(crate) fn width<DB: DrawingBackend>(area: &Area<DB>, s: &str, st: &TextStyle) -> Res<i32> {
    Ok(area.estimate_text_size(s, st).map_err(e)?.0 as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_fill_rows_and_columns() {
        assert_eq!(shape(1), (1, 1));
        assert_eq!(shape(3), (1, 3));
        assert_eq!(shape(5), (2, 3));
        assert_eq!(shape(12), (3, 4));
        let g = Gutters {
            left: 100,
            right: 20,
            title: 30,
            ticks: 30,
            bottom: 40,
            col_gap: 30,
            row_gap: 10,
        };
        let c = cells(5, 1280, 600, &g);
        assert_eq!(c.len(), 5);
        assert_eq!(c[3].col, 0);
        assert!(c[3].y > c[0].y + c[0].h);
        assert_eq!(c[0].w, c[1].w);
        assert!(c[2].x + c[2].w <= 1280 - 20);
        assert!(c[4].y + c[4].h + g.ticks + g.bottom <= 600);
    }
}
