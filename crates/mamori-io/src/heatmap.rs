//! The risk heat map as an SVG drawn on the server: no chart library, no script, no external
//! font or stylesheet, so it can be embedded in a page under a strict CSP or saved as a file.
//!
//! The grid has 発生可能性 on the vertical axis (highest at the top) and 影響度 on the horizontal
//! axis (highest at the right), one cell per pair of levels of the body's [`RiskMatrix`], coloured
//! by its band and printing the number of risks in it; a legend lists the bands with their score
//! ranges. For screen readers the image has `role="img"`, a `<title>` and a `<desc>` in Japanese
//! that states the counts per band, and every cell has its own `<title>`.

use std::fmt::Write as _;

use mamori_domain::risk::{HeatCell, RiskMatrix};

const CELL: usize = 64;
const LEFT: usize = 120;
const TOP: usize = 56;
const BOTTOM: usize = 72;
const LEGEND_GAP: usize = 32;
const LEGEND_WIDTH: usize = 220;
const LEGEND_ROW: usize = 26;
const FONT: &str = "sans-serif";

/// Draws the heat map of `cells` (from [`mamori_domain::risk::heat_cells`]) on `matrix`. A cell of
/// the matrix missing from `cells` is drawn with no risks.
pub fn heatmap_svg(matrix: &RiskMatrix, cells: &[HeatCell], title: &str) -> String {
    let rows = matrix.likelihood().len();
    let cols = matrix.impact().len();
    let grid_w = cols * CELL;
    let grid_h = rows * CELL;
    let legend_x = LEFT + grid_w + LEGEND_GAP;
    let legend_h = matrix.bands().len() * LEGEND_ROW + 24;
    let width = legend_x + LEGEND_WIDTH;
    let height = TOP + grid_h.max(legend_h) + BOTTOM;

    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="heatmap-title heatmap-desc" font-family="{FONT}">"#
    );
    let _ = write!(
        out,
        r#"<title id="heatmap-title">{}</title><desc id="heatmap-desc">{}</desc>"#,
        escape(title),
        escape(&description(matrix, cells))
    );
    let _ = write!(
        out,
        r##"<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>"##
    );
    let _ = write!(
        out,
        r##"<text x="{LEFT}" y="28" font-size="16" font-weight="bold" fill="#222222">{}</text>"##,
        escape(title)
    );

    // The cells: row 0 is the highest likelihood.
    for (li, l) in matrix.likelihood().iter().enumerate() {
        let y = TOP + (rows - 1 - li) * CELL;
        for (ii, i) in matrix.impact().iter().enumerate() {
            let x = LEFT + ii * CELL;
            let cell = cells
                .iter()
                .find(|c| c.likelihood == l.key && c.impact == i.key);
            let count = cell.map_or(0, |c| c.count);
            let (score, band_key) = match cell {
                Some(c) => (c.score, c.band.clone()),
                None => matrix
                    .rate(&l.key, &i.key)
                    .map(|r| (r.score, r.band))
                    .unwrap_or_default(),
            };
            let band = matrix.band(&band_key);
            let colour = band.map_or("#ffffff", |b| b.colour.as_str());
            let band_label = band.map_or("", |b| b.label.as_str());
            let _ = write!(
                out,
                r#"<g class="cell" data-likelihood="{}" data-impact="{}" data-score="{score}" data-band="{}" data-count="{count}">"#,
                escape(&l.key),
                escape(&i.key),
                escape(&band_key)
            );
            let _ = write!(
                out,
                "<title>{}</title>",
                escape(&format!(
                    "発生可能性「{}」・影響度「{}」: リスク値{score}（{band_label}）、{count}件",
                    l.label, i.label
                ))
            );
            let _ = write!(
                out,
                r##"<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{}" stroke="#ffffff" stroke-width="2"/>"##,
                escape(colour)
            );
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" text-anchor="middle" dominant-baseline="central" font-size="20" font-weight="bold" fill="{}">{count}</text>"#,
                x + CELL / 2,
                y + CELL / 2,
                text_colour(colour)
            );
            out.push_str("</g>");
        }
    }

    // Level labels: likelihood to the left of each row, impact below each column.
    for (li, l) in matrix.likelihood().iter().enumerate() {
        let y = TOP + (rows - 1 - li) * CELL + CELL / 2;
        let _ = write!(
            out,
            r##"<text class="likelihood-label" x="{}" y="{y}" text-anchor="end" dominant-baseline="central" font-size="12" fill="#222222">{}</text>"##,
            LEFT - 8,
            escape(&l.label)
        );
    }
    for (ii, i) in matrix.impact().iter().enumerate() {
        let x = LEFT + ii * CELL + CELL / 2;
        let _ = write!(
            out,
            r##"<text class="impact-label" x="{x}" y="{}" text-anchor="middle" font-size="12" fill="#222222">{}</text>"##,
            TOP + grid_h + 18,
            escape(&i.label)
        );
    }
    // Axis titles.
    let _ = write!(
        out,
        r##"<text class="axis" x="{}" y="{}" text-anchor="middle" font-size="14" fill="#222222">影響度（右ほど大きい）</text>"##,
        LEFT + grid_w / 2,
        TOP + grid_h + 46
    );
    let (ax, ay) = (24, TOP + grid_h / 2);
    let _ = write!(
        out,
        r##"<text class="axis" x="{ax}" y="{ay}" text-anchor="middle" font-size="14" fill="#222222" transform="rotate(-90 {ax} {ay})">発生可能性（上ほど高い）</text>"##
    );

    // Legend, highest band first.
    let _ = write!(
        out,
        r##"<g class="legend"><text x="{legend_x}" y="{}" font-size="13" font-weight="bold" fill="#222222">リスク区分（リスク値）</text>"##,
        TOP + 12
    );
    for (n, band) in matrix.bands().iter().rev().enumerate() {
        let y = TOP + 24 + n * LEGEND_ROW;
        let _ = write!(
            out,
            r##"<rect x="{legend_x}" y="{y}" width="18" height="18" fill="{}" stroke="#666666" stroke-width="1"/><text x="{}" y="{}" dominant-baseline="central" font-size="12" fill="#222222">{}</text>"##,
            escape(&band.colour),
            legend_x + 26,
            y + 9,
            escape(&format!("{}（{}〜{}）", band.label, band.min, band.max))
        );
    }
    out.push_str("</g></svg>");
    out
}

/// The `<desc>`: what the axes are and how many risks fall in each band.
fn description(matrix: &RiskMatrix, cells: &[HeatCell]) -> String {
    let total: usize = cells.iter().map(|c| c.count).sum();
    let per_band: Vec<String> = matrix
        .bands()
        .iter()
        .rev()
        .map(|b| {
            let n: usize = cells
                .iter()
                .filter(|c| c.band == b.key)
                .map(|c| c.count)
                .sum();
            format!("{} {n}件", b.label)
        })
        .collect();
    format!(
        "縦軸は発生可能性（{}段階、上ほど高い）、横軸は影響度（{}段階、右ほど大きい）のリスクマトリクス。マスの数字はリスクの件数、色はリスク区分。区分別の件数: {}。合計{total}件。",
        matrix.likelihood().len(),
        matrix.impact().len(),
        per_band.join("、")
    )
}

/// Black or white, whichever reads better on the fill (`#rrggbb`).
fn text_colour(fill: &str) -> &'static str {
    let channel = |i: usize| {
        fill.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map_or(255.0, f64::from)
    };
    let luminance = 0.299 * channel(1) + 0.587 * channel(3) + 0.114 * channel(5);
    if luminance < 140.0 {
        "#ffffff"
    } else {
        "#111111"
    }
}

/// Escapes text for XML content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::collections::BTreeMap;

    use mamori_domain::ids::RiskId;
    use mamori_domain::risk::{Basis, Risk, RiskInput, ThreatCatalogue, heat_cells};
    use quick_xml::Reader;
    use quick_xml::events::Event;

    use super::*;

    fn risks(m: &RiskMatrix, pairs: &[(&str, &str)]) -> Vec<Risk> {
        let threats = ThreatCatalogue::default_catalogue().unwrap();
        pairs
            .iter()
            .map(|(l, i)| {
                let input = RiskInput {
                    asset: "asset".into(),
                    threat: "fire".into(),
                    vulnerability: "消火設備の不足".into(),
                    likelihood: (*l).into(),
                    impact: (*i).into(),
                    ..RiskInput::default()
                };
                Risk::assess(RiskId::new(), &input, m, &threats).unwrap()
            })
            .collect()
    }

    /// What a parse of the SVG found.
    #[derive(Default, Debug)]
    struct Parsed {
        root_attrs: BTreeMap<String, String>,
        title: String,
        desc: String,
        /// (likelihood, impact) → (count printed, rect x, rect y, fill)
        cells: BTreeMap<(String, String), (String, usize, usize, String)>,
        texts: Vec<String>,
        elements: Vec<String>,
    }

    fn attrs(e: &quick_xml::events::BytesStart<'_>) -> BTreeMap<String, String> {
        e.attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                    String::from_utf8(a.value.to_vec()).unwrap(),
                )
            })
            .collect()
    }

    /// Parses the SVG as XML: every tag closed in order, one root, attributes well formed.
    fn parse(svg: &str) -> Parsed {
        let mut reader = Reader::from_str(svg);
        let mut parsed = Parsed::default();
        let mut stack: Vec<String> = Vec::new();
        let mut cell: Option<(String, String)> = None;
        let mut roots = 0;
        loop {
            match reader.read_event().unwrap() {
                Event::Start(e) => {
                    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                    let a = attrs(&e);
                    if stack.is_empty() {
                        roots += 1;
                        parsed.root_attrs = a.clone();
                    }
                    if name == "g" && a.get("class").map(String::as_str) == Some("cell") {
                        let key = (a["data-likelihood"].clone(), a["data-impact"].clone());
                        parsed
                            .cells
                            .insert(key.clone(), (String::new(), 0, 0, String::new()));
                        cell = Some(key);
                    }
                    if name == "text" && cell.is_none() {
                        parsed.texts.push(String::new());
                    }
                    parsed.elements.push(name.clone());
                    stack.push(name);
                }
                Event::Empty(e) => {
                    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                    assert!(!stack.is_empty(), "content outside the root");
                    let a = attrs(&e);
                    if name == "rect"
                        && let Some(key) = &cell
                    {
                        let entry = parsed.cells.get_mut(key).unwrap();
                        entry.1 = a["x"].parse().unwrap();
                        entry.2 = a["y"].parse().unwrap();
                        entry.3 = a["fill"].clone();
                    }
                    parsed.elements.push(name);
                }
                Event::End(e) => {
                    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                    assert_eq!(stack.pop().as_deref(), Some(name.as_str()));
                    if name == "g" {
                        cell = None;
                    }
                }
                Event::Text(t) => {
                    let text = t.decode().unwrap().into_owned();
                    push_text(&mut parsed, &stack, cell.as_ref(), &text);
                }
                Event::GeneralRef(r) => {
                    let text = match r.decode().unwrap().as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unexpected entity {other}"),
                    };
                    push_text(&mut parsed, &stack, cell.as_ref(), text);
                }
                Event::Eof => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(stack.is_empty(), "unclosed {stack:?}");
        assert_eq!(roots, 1);
        parsed
    }

    fn push_text(parsed: &mut Parsed, stack: &[String], cell: Option<&(String, String)>, s: &str) {
        match (stack.last().map(String::as_str), stack.len()) {
            (Some("title"), 2) => parsed.title.push_str(s),
            (Some("desc"), 2) => parsed.desc.push_str(s),
            (Some("text"), _) => {
                if let Some(key) = cell {
                    parsed.cells.get_mut(key).unwrap().0.push_str(s);
                } else if let Some(last) = parsed.texts.last_mut() {
                    last.push_str(s);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn three_by_three_counts_land_in_their_cells() {
        let m = RiskMatrix::three_by_three().unwrap();
        let rs = risks(
            &m,
            &[
                ("high", "high"),
                ("high", "high"),
                ("high", "high"),
                ("low", "medium"),
                ("medium", "low"),
            ],
        );
        let cells = heat_cells(&m, &rs, Basis::Inherent).unwrap();
        let svg = heatmap_svg(&m, &cells, "リスクヒートマップ <R7> & 試行");
        let p = parse(&svg);
        assert_eq!(p.root_attrs["role"], "img");
        assert_eq!(p.root_attrs["xmlns"], "http://www.w3.org/2000/svg");
        assert_eq!(p.title, "リスクヒートマップ <R7> & 試行");
        assert!(p.desc.contains("発生可能性"), "{}", p.desc);
        assert!(p.desc.contains("高 3件、中 0件、低 2件"), "{}", p.desc);
        assert!(p.desc.contains("合計5件"), "{}", p.desc);
        assert_eq!(p.cells.len(), 9);
        let at = |l: &str, i: &str| p.cells[&(l.to_owned(), i.to_owned())].clone();
        assert_eq!(at("high", "high").0, "3");
        assert_eq!(at("low", "medium").0, "1");
        assert_eq!(at("medium", "low").0, "1");
        assert_eq!(at("low", "low").0, "0");
        // Geometry: the highest likelihood is the top row, the highest impact the right column.
        let (_, x, y, fill) = at("high", "high");
        assert_eq!((x, y), (LEFT + 2 * CELL, TOP));
        assert_eq!(fill, m.band("high").unwrap().colour);
        let (_, x, y, fill) = at("low", "low");
        assert_eq!((x, y), (LEFT, TOP + 2 * CELL));
        assert_eq!(fill, m.band("low").unwrap().colour);
        // Axis titles, level labels and the legend.
        let all = p.texts.join("|");
        for needle in [
            "発生可能性",
            "影響度",
            "小",
            "大",
            "低（1〜2）",
            "高（6〜9）",
        ] {
            assert!(all.contains(needle), "{needle} in {all}");
        }
        // Nothing fetched or run.
        for forbidden in ["script", "style", "image", "foreignObject", "use"] {
            assert!(!p.elements.iter().any(|e| e == forbidden), "{forbidden}");
        }
        assert!(!svg.contains("href") && !svg.contains("url("), "{svg}");
    }

    #[test]
    fn five_by_five_counts_land_in_their_cells() {
        let m = RiskMatrix::five_by_five().unwrap();
        let rs = risks(
            &m,
            &[
                ("almost_certain", "severe"),
                ("almost_certain", "severe"),
                ("possible", "moderate"),
                ("rare", "minor"),
                ("likely", "negligible"),
                ("likely", "negligible"),
                ("likely", "negligible"),
                ("likely", "negligible"),
            ],
        );
        let cells = heat_cells(&m, &rs, Basis::Inherent).unwrap();
        let p = parse(&heatmap_svg(&m, &cells, "5段階"));
        assert_eq!(p.cells.len(), 25);
        let expected: BTreeMap<(&str, &str), &str> = [
            (("almost_certain", "severe"), "2"),
            (("possible", "moderate"), "1"),
            (("rare", "minor"), "1"),
            (("likely", "negligible"), "4"),
        ]
        .into_iter()
        .collect();
        for ((l, i), (count, x, y, fill)) in &p.cells {
            let want = expected.get(&(l.as_str(), i.as_str())).unwrap_or(&"0");
            assert_eq!(count, want, "{l}×{i}");
            let li = m.likelihood().iter().position(|x| &x.key == l).unwrap();
            let ii = m.impact().iter().position(|x| &x.key == i).unwrap();
            assert_eq!(
                (*x, *y),
                (LEFT + ii * CELL, TOP + (4 - li) * CELL),
                "{l}×{i}"
            );
            let band = &m.rate(l, i).unwrap().band;
            assert_eq!(fill, &m.band(band).unwrap().colour, "{l}×{i}");
        }
        assert!(p.desc.contains("極めて高い 2件"), "{}", p.desc);
        let all = p.texts.join("|");
        for level in m.likelihood().iter().chain(m.impact()) {
            assert!(all.contains(&level.label), "{}", level.label);
        }
        assert!(all.contains("極めて高い（17〜25）"), "{all}");
    }

    #[test]
    fn text_colour_follows_the_fill() {
        assert_eq!(text_colour("#000000"), "#ffffff");
        assert_eq!(text_colour("#ffe08a"), "#111111");
        assert_eq!(
            escape(r#"<a & "b" 'c'>"#),
            "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;"
        );
    }
}
