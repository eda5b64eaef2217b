//! Chart sets: the charts drawn from one source of data (a results directory, a sweep), each
//! with its file stem, caption and drawing, and the one path that renders a set and writes
//! it into `charts/`.
//!
//! A set's kinds of chart are declared once, with their stems, by [`chart_kinds!`]; the list
//! of every stem a set may write is derived from that declaration, so a new kind can neither
//! be left out of the stale-file clean-up nor written under a stem the clean-up does not
//! know. [`write`] writes the rendered files atomically and removes the files of the set's
//! other stems (a chart the data no longer gets), and nothing else in `charts/`.

use std::path::{Path, PathBuf};

use plotters::prelude::DrawingBackend;

use crate::atomic::{WriteError as ReportError, write_atomic};
use crate::chart::document::{ChartError, Drawing, png_document, svg_document};
use crate::chart::frame::{Area, Res};

/// Directory of the chart files, relative to the output directory (results or sweep).
pub use crate::layout::CHARTS_DIR;

/// The kinds of chart of a set, each with its file stem. Implemented by [`chart_kinds!`].
pub trait ChartKind: Copy + Eq + std::fmt::Debug + Send + Sync + 'static {
    /// Every kind, in the order the charts are listed and written.
    const ALL: &'static [Self];
    /// File name without extension: `kms-traffic` → `charts/kms-traffic.svg`.
    fn stem(self) -> &'static str;
}

/// Declares a set's enum of chart kinds and implements [`ChartKind`] for it: each variant
/// with its file stem, in output order.
///
/// ```ignore
/// chart_kinds! {
///     /// Which sweep chart.
///     pub enum SweepChartKind {
///         ThrottleRate => "throttle-rate",
///         Cost => "cost",
///     }
/// }
/// ```
macro_rules! chart_kinds {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident => $stem:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $crate::chart::ChartKind for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];

            fn stem(self) -> &'static str {
                match self {
                    $($name::$variant => $stem),+
                }
            }
        }
    };
}
pub(crate) use chart_kinds;

/// A chart the data gets: its kind, file stem and one-line caption (alt text, caption, and
/// after the subject the SVG `<title>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart<K> {
    pub kind: K,
    pub stem: &'static str,
    pub caption: String,
}

/// Charts drawn from one source of data.
pub trait ChartSet {
    type Kind: ChartKind;

    /// What the charts are of, before the caption in each SVG `<title>`: the scenario.
    fn subject(&self) -> &str;

    /// The caption of `kind` for this data, or `None` when the data does not get that chart.
    fn caption(&self, kind: Self::Kind) -> Option<String>;

    /// Draws the chart `kind` on `root`.
    fn draw<DB: DrawingBackend>(&self, kind: Self::Kind, root: &Area<DB>) -> Res<()>;
}

/// The charts `set` gets, in [`ChartKind::ALL`] order.
pub fn charts<S: ChartSet>(set: &S) -> Vec<Chart<S::Kind>> {
    S::Kind::ALL
        .iter()
        .filter_map(|&kind| {
            set.caption(kind).map(|caption| Chart {
                kind,
                stem: kind.stem(),
                caption,
            })
        })
        .collect()
}

/// One chart of a set as a [`Drawing`].
struct One<'a, S: ChartSet> {
    set: &'a S,
    kind: S::Kind,
}

impl<S: ChartSet> Drawing for One<'_, S> {
    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> Res<()> {
        self.set.draw(self.kind, root)
    }
}

/// The chart as an SVG document (UTF-8 text, final newline) titled "subject: caption".
pub fn render_svg<S: ChartSet>(set: &S, chart: &Chart<S::Kind>) -> Result<String, ChartError> {
    svg_document(
        chart.stem,
        &format!("{}: {}", set.subject(), chart.caption),
        &One {
            set,
            kind: chart.kind,
        },
    )
}

/// The chart as a PNG file (8-bit RGB).
pub fn render_png<S: ChartSet>(set: &S, chart: &Chart<S::Kind>) -> Result<Vec<u8>, ChartError> {
    png_document(
        chart.stem,
        &One {
            set,
            kind: chart.kind,
        },
    )
}

/// Which chart files: SVG, PNG or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartFormats {
    pub svg: bool,
    pub png: bool,
}

impl ChartFormats {
    pub const BOTH: ChartFormats = ChartFormats {
        svg: true,
        png: true,
    };
}

/// A set rendered in memory: its charts and, per format rendered, each chart's document in
/// the same order.
#[derive(Debug, Clone)]
pub struct Rendered<K> {
    pub charts: Vec<Chart<K>>,
    /// Each chart's SVG document (empty when SVG was not rendered).
    pub svg: Vec<String>,
    /// Each chart's PNG file (empty when PNG was not rendered).
    pub png: Vec<Vec<u8>>,
}

/// Renders every chart of `set` in `formats`. Nothing is written: a drawing error leaves the
/// previous files as they were.
///
/// The documents are drawn in parallel on the current rayon pool (each chart and format is
/// independent; PNG rasterising and encoding is most of a run's fixed cost) and collected in
/// chart order, so the result, and the error reported when several fail (the first in SVG
/// then PNG order), do not depend on the thread count.
pub fn render<S: ChartSet + Sync>(
    set: &S,
    formats: ChartFormats,
) -> Result<Rendered<S::Kind>, ChartError> {
    use rayon::prelude::*;
    enum Doc {
        Svg(String),
        Png(Vec<u8>),
    }
    let charts = charts(set);
    let jobs: Vec<(bool, &Chart<S::Kind>)> = [(true, formats.svg), (false, formats.png)]
        .into_iter()
        .filter(|&(_, wanted)| wanted)
        .flat_map(|(is_svg, _)| charts.iter().map(move |c| (is_svg, c)))
        .collect();
    let docs: Vec<Result<Doc, ChartError>> = jobs
        .par_iter()
        .map(|&(is_svg, c)| {
            if is_svg {
                render_svg(set, c).map(Doc::Svg)
            } else {
                render_png(set, c).map(Doc::Png)
            }
        })
        .collect();
    let mut svg = Vec::new();
    let mut png = Vec::new();
    for d in docs {
        match d? {
            Doc::Svg(s) => svg.push(s),
            Doc::Png(p) => png.push(p),
        }
    }
    Ok(Rendered { charts, svg, png })
}

impl<K: ChartKind> Rendered<K> {
    /// The chart files in `formats` (of those rendered), as (path relative to the output
    /// directory, bytes): every SVG in chart order, then every PNG.
    pub fn files(&self, formats: ChartFormats) -> Vec<(String, &[u8])> {
        let mut out = Vec::new();
        if formats.svg {
            for (c, s) in self.charts.iter().zip(&self.svg) {
                out.push((format!("{CHARTS_DIR}/{}.svg", c.stem), s.as_bytes()));
            }
        }
        if formats.png {
            for (c, p) in self.charts.iter().zip(&self.png) {
                out.push((format!("{CHARTS_DIR}/{}.png", c.stem), p.as_slice()));
            }
        }
        out
    }

    /// Files of the set that `formats` would leave stale: `charts/<stem>.<ext>` for every
    /// stem of the set this rendering does not have, in each format of `formats`.
    pub fn stale(&self, formats: ChartFormats) -> Vec<String> {
        let mut out = Vec::new();
        for kind in K::ALL {
            if self.charts.iter().any(|c| c.kind == *kind) {
                continue;
            }
            for (ext, on) in [("svg", formats.svg), ("png", formats.png)] {
                if on {
                    out.push(format!("{CHARTS_DIR}/{}.{ext}", kind.stem()));
                }
            }
        }
        out
    }
}

/// Writes the charts of `r` in `formats` into `dir/charts/` (created when there is a file to
/// write), each file atomically, and removes the set's stale files in those formats
/// ([`Rendered::stale`]). Returns the paths written, in [`Rendered::files`] order.
pub fn write<K: ChartKind>(
    dir: &Path,
    r: &Rendered<K>,
    formats: ChartFormats,
) -> Result<Vec<PathBuf>, ReportError> {
    let files = r.files(formats);
    if !files.is_empty() {
        let charts_dir = dir.join(CHARTS_DIR);
        std::fs::create_dir_all(&charts_dir).map_err(|error| ReportError::CreateDir {
            path: charts_dir,
            error,
        })?;
    }
    let mut written = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        let path = dir.join(path);
        write_atomic(&path, bytes)?;
        written.push(path);
    }
    for name in r.stale(formats) {
        // Absent already (the usual case) or not removable: either way not this set's output.
        let _ = std::fs::remove_file(dir.join(name));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::frame::{LegendEntry, frame};
    use crate::chart::style::INK;

    chart_kinds! {
        enum Toy {
            A => "toy-a",
            B => "toy-b",
            C => "toy-c",
        }
    }

    /// Three charts, the second only `with_b`.
    struct ToySet {
        with_b: bool,
    }

    impl ChartSet for ToySet {
        type Kind = Toy;

        fn subject(&self) -> &str {
            "toy"
        }

        fn caption(&self, kind: Toy) -> Option<String> {
            (kind != Toy::B || self.with_b).then(|| format!("chart {kind:?}"))
        }

        fn draw<DB: DrawingBackend>(&self, kind: Toy, root: &Area<DB>) -> Res<()> {
            let legend = [LegendEntry::line(INK, false, "a line")];
            frame(root, &format!("Toy {kind:?}"), "a subtitle", &legend).map(|_| ())
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir.join(CHARTS_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn stems_come_from_the_kind_declaration() {
        assert_eq!(Toy::ALL, [Toy::A, Toy::B, Toy::C]);
        assert_eq!(Toy::C.stem(), "toy-c");
        let list = charts(&ToySet { with_b: false });
        assert_eq!(
            list.iter().map(|c| (c.kind, c.stem)).collect::<Vec<_>>(),
            [(Toy::A, "toy-a"), (Toy::C, "toy-c")]
        );
        assert_eq!(list[1].caption, "chart C");
        let svg = render_svg(&ToySet { with_b: false }, &list[1]).unwrap();
        assert!(svg.contains("<title>toy: chart C</title>"), "{svg}");
        let r = render(&ToySet { with_b: false }, ChartFormats::BOTH).unwrap();
        assert_eq!(r.svg[1], svg);
        assert_eq!(
            r.stale(ChartFormats {
                svg: false,
                png: true
            }),
            ["charts/toy-b.png"]
        );
    }

    #[test]
    fn write_replaces_the_set_and_removes_only_its_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let all = render(&ToySet { with_b: true }, ChartFormats::BOTH).unwrap();
        let written = write(d, &all, ChartFormats::BOTH).unwrap();
        let rel: Vec<String> = written
            .iter()
            .map(|p| p.strip_prefix(d).unwrap().display().to_string())
            .collect();
        assert_eq!(
            rel,
            [
                "charts/toy-a.svg",
                "charts/toy-b.svg",
                "charts/toy-c.svg",
                "charts/toy-a.png",
                "charts/toy-b.png",
                "charts/toy-c.png"
            ]
        );
        assert_eq!(
            std::fs::read(d.join("charts/toy-b.png")).unwrap(),
            all.png[1]
        );
        // Files that are not the set's are left alone.
        std::fs::write(d.join("charts/notes.svg"), "mine").unwrap();

        // Without B, PNG only: toy-b.png goes, toy-b.svg (a format not written) stays.
        let no_b = render(&ToySet { with_b: false }, ChartFormats::BOTH).unwrap();
        let png_only = ChartFormats {
            svg: false,
            png: true,
        };
        assert_eq!(write(d, &no_b, png_only).unwrap().len(), 2);
        assert_eq!(
            names(d),
            [
                "notes.svg",
                "toy-a.png",
                "toy-a.svg",
                "toy-b.svg",
                "toy-c.png",
                "toy-c.svg"
            ]
        );
        write(d, &no_b, ChartFormats::BOTH).unwrap();
        assert!(!d.join("charts/toy-b.svg").exists());
        assert_eq!(std::fs::read(d.join("charts/notes.svg")).unwrap(), b"mine");

        // Nothing to write: no charts directory is created.
        let empty = tempfile::tempdir().unwrap();
        let none = ChartFormats {
            svg: false,
            png: false,
        };
        assert!(write(empty.path(), &no_b, none).unwrap().is_empty());
        assert!(!empty.path().join(CHARTS_DIR).exists());
    }
}
