//! Plain text documents (a title, headings, paragraphs and bullets) as PDF
//! on A4 pages, in the standard Helvetica and Helvetica-Bold Type 1 fonts
//! with WinAnsiEncoding, so no font is embedded or looked up. The layout is
//! ours: text is wrapped using the Helvetica character widths and flows onto
//! new pages, a heading kept with the lines that follow. The file itself
//! (objects, cross-reference table, trailer, string escaping) is written by
//! the `pdf-writer` crate. Pure: it builds bytes and does no IO.

use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};

/// A4 width in points.
const PAGE_W: f64 = 595.28;
/// A4 height in points.
const PAGE_H: f64 = 841.89;
/// Page margin in points.
const MARGIN: f64 = 56.0;
/// Indent of bullet text from the left margin.
const BULLET_INDENT: f64 = 14.0;

const TITLE_SIZE: f64 = 16.0;
const HEADING_SIZE: f64 = 12.5;
const BODY_SIZE: f64 = 10.5;
const LEADING: f64 = 1.3;

/// Helvetica advance widths (1/1000 em) for bytes 32..=126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // space../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P.._
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `..o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p..~
];

/// Helvetica-Bold advance widths (1/1000 em) for bytes 32..=126.
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278,
    278, // space../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0..?
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // P.._
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // `..o
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, // p..~
];

/// The WinAnsiEncoding byte for a character; `?` when it has none.
pub fn win_ansi(c: char) -> u8 {
    let u = c as u32;
    match c {
        '\t' => b' ',
        _ if (0x20..0x7f).contains(&u) => u as u8,
        _ if (0xa0..=0xff).contains(&u) => u as u8,
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8a,
        '‹' => 0x8b,
        'Œ' => 0x8c,
        'Ž' => 0x8e,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9a,
        '›' => 0x9b,
        'œ' => 0x9c,
        'ž' => 0x9e,
        'Ÿ' => 0x9f,
        '\u{2212}' | '\u{2010}' | '\u{2011}' => b'-',
        '\u{2009}' | '\u{202f}' | '\u{2007}' => b' ',
        _ => b'?',
    }
}

/// Encodes text as WinAnsi bytes (unmappable characters become `?`).
pub fn encode(text: &str) -> Vec<u8> {
    text.chars().map(win_ansi).collect()
}

/// The width in points of WinAnsi `bytes` in the given font and size.
fn width(bytes: &[u8], bold: bool, size: f64) -> f64 {
    let table = if bold { &HELVETICA_BOLD } else { &HELVETICA };
    let units: u32 = bytes
        .iter()
        .map(|&b| match b {
            32..=126 => u32::from(table[usize::from(b - 32)]),
            0x95 => 350,
            0x96 => 556,
            0x97 => 1000,
            0x91 | 0x92 => 222,
            0x93 | 0x94 => 333,
            _ => 556,
        })
        .sum();
    f64::from(units) * size / 1000.0
}

/// Breaks `bytes` into lines no wider than `max` points, at spaces where
/// possible (a word longer than a line is split).
fn wrap(bytes: &[u8], bold: bool, size: f64, max: f64) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in bytes.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let mut word = word.to_vec();
        loop {
            let candidate_w = if line.is_empty() {
                width(&word, bold, size)
            } else {
                width(&line, bold, size) + width(b" ", bold, size) + width(&word, bold, size)
            };
            if candidate_w <= max {
                if !line.is_empty() {
                    line.push(b' ');
                }
                line.extend_from_slice(&word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A single word wider than the line: split it.
            let mut n = word.len();
            while n > 1 && width(&word[..n], bold, size) > max {
                n -= 1;
            }
            lines.push(word[..n].to_vec());
            word = word[n..].to_vec();
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Title,
    Heading,
    Paragraph,
    Bullet,
}

/// One positioned line of text on a page.
struct Placed {
    bold: bool,
    size: f64,
    x: f64,
    y: f64,
    text: Vec<u8>,
}

/// A text document to be written as PDF: a title, then headings,
/// paragraphs and bullets in order.
#[derive(Debug, Clone)]
pub struct PdfDocument {
    title: String,
    blocks: Vec<(Kind, String)>,
}

impl PdfDocument {
    /// A document whose title is shown at the top of the first page and
    /// stored as the document's /Title.
    pub fn new(title: &str) -> Self {
        PdfDocument {
            title: title.to_string(),
            blocks: vec![(Kind::Title, title.to_string())],
        }
    }

    /// Adds a section heading (bold; kept with the line that follows).
    pub fn heading(&mut self, text: &str) {
        self.blocks.push((Kind::Heading, text.to_string()));
    }

    /// Adds a paragraph; line breaks in `text` are kept.
    pub fn paragraph(&mut self, text: &str) {
        self.blocks.push((Kind::Paragraph, text.to_string()));
    }

    /// Adds a bulleted item.
    pub fn bullet(&mut self, text: &str) {
        self.blocks.push((Kind::Bullet, text.to_string()));
    }

    /// Lays the blocks out into pages of positioned lines.
    fn layout(&self) -> Vec<Vec<Placed>> {
        let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
        let top = PAGE_H - MARGIN;
        let mut y = top;
        let full = PAGE_W - 2.0 * MARGIN;
        for (kind, text) in &self.blocks {
            let (bold, size, space_before, indent) = match kind {
                Kind::Title => (true, TITLE_SIZE, 0.0, 0.0),
                Kind::Heading => (true, HEADING_SIZE, 10.0, 0.0),
                Kind::Paragraph => (false, BODY_SIZE, 4.0, 0.0),
                Kind::Bullet => (false, BODY_SIZE, 2.0, BULLET_INDENT),
            };
            let leading = size * LEADING;
            let mut lines = Vec::new();
            for hard in text.split('\n') {
                lines.extend(wrap(&encode(hard.trim_end()), bold, size, full - indent));
            }
            if y < top {
                y -= space_before;
            }
            // Keep a heading with at least two following body lines.
            let needed = if *kind == Kind::Heading {
                leading + 2.0 * BODY_SIZE * LEADING
            } else {
                leading
            };
            for (i, line) in lines.into_iter().enumerate() {
                let need = if i == 0 { needed } else { leading };
                if y - need < MARGIN && y < top {
                    pages.push(Vec::new());
                    y = top;
                }
                y -= leading;
                let page = pages.last_mut().expect("a page");
                if *kind == Kind::Bullet && i == 0 {
                    page.push(Placed {
                        bold: false,
                        size,
                        x: MARGIN + 3.0,
                        y,
                        text: vec![0x95],
                    });
                }
                page.push(Placed {
                    bold,
                    size,
                    x: MARGIN + indent,
                    y,
                    text: line,
                });
            }
            if *kind == Kind::Title {
                y -= 6.0;
            }
        }
        pages
    }

    /// The complete PDF file (version 1.4).
    pub fn to_bytes(&self) -> Vec<u8> {
        let pages = self.layout();
        // Objects: 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold,
        // 5 info, then a page and its content stream per page.
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let fonts = [(Ref::new(3), "Helvetica"), (Ref::new(4), "Helvetica-Bold")];
        let info = Ref::new(5);
        let page_ref = |i: usize| Ref::new(6 + 2 * i32::try_from(i).expect("page count fits"));
        let contents_ref = |i: usize| Ref::new(page_ref(i).get() + 1);
        let count = i32::try_from(pages.len()).expect("page count fits");

        let mut pdf = Pdf::new();
        pdf.set_version(1, 4);
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids((0..pages.len()).map(page_ref))
            .count(count);
        for (id, base) in fonts {
            pdf.type1_font(id)
                .base_font(Name(base.as_bytes()))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .producer(TextStr("Doorstep"));
        for (i, placed) in pages.iter().enumerate() {
            let mut page = pdf.page(page_ref(i));
            page.parent(tree)
                .media_box(Rect::new(0.0, 0.0, PAGE_W as f32, PAGE_H as f32))
                .contents(contents_ref(i));
            page.resources()
                .fonts()
                .pair(Name(b"F1"), fonts[0].0)
                .pair(Name(b"F2"), fonts[1].0);
            drop(page);
            let mut content = Content::new();
            for p in placed {
                let font = if p.bold { Name(b"F2") } else { Name(b"F1") };
                content
                    .begin_text()
                    .set_font(font, p.size as f32)
                    .next_line(p.x as f32, p.y as f32)
                    .show(Str(&p.text))
                    .end_text();
            }
            pdf.stream(contents_ref(i), &content.finish());
        }
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file as Latin-1 text, to look for PDF syntax in it.
    fn latin1(bytes: &[u8]) -> String {
        bytes.iter().map(|&b| b as char).collect()
    }

    #[test]
    fn maps_common_characters_to_win_ansi() {
        assert_eq!(
            encode("–½£’“”é"),
            vec![0x96, 0xbd, 0xa3, 0x92, 0x93, 0x94, 0xe9]
        );
        assert_eq!(encode("✓"), b"?".to_vec());
    }

    #[test]
    fn wraps_within_the_width() {
        let text = encode(&"word ".repeat(200));
        let lines = wrap(&text, false, BODY_SIZE, 200.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| width(l, false, BODY_SIZE) <= 200.0));
        let long = wrap(&[b'm'; 100], false, BODY_SIZE, 50.0);
        assert!(long.len() > 1);
    }

    #[test]
    fn long_text_flows_onto_pages_within_the_margins() {
        let mut d = PdfDocument::new("T");
        d.heading("H");
        d.paragraph(&"lorem ipsum ".repeat(2000));
        let pages = d.layout();
        assert!(pages.len() >= 2);
        for page in &pages {
            assert!(page.iter().all(|p| p.y >= MARGIN && p.y <= PAGE_H - MARGIN));
        }
        let text = latin1(&d.to_bytes());
        assert_eq!(text.matches("/Type /Page\n").count(), pages.len());
        assert_eq!(
            text.matches("BT\n").count(),
            pages.iter().map(Vec::len).sum::<usize>()
        );
    }

    #[test]
    fn the_file_is_pdf_1_4_with_the_standard_fonts_and_a_cross_reference_table() {
        let mut d = PdfDocument::new("Early help – summary");
        d.bullet("a (bracket \\ line");
        d.bullet("– dash");
        let bytes = d.to_bytes();
        assert!(bytes.starts_with(b"%PDF-1.4\n"));
        let text = latin1(&bytes);
        assert!(text.contains("/BaseFont /Helvetica\n"));
        assert!(text.contains("/BaseFont /Helvetica-Bold\n"));
        assert_eq!(text.matches("/Encoding /WinAnsiEncoding").count(), 2);
        assert!(!text.contains("/FontFile"), "no font is embedded");
        let pos = text.rfind("startxref").expect("startxref");
        let start: usize = text[pos..].lines().nth(1).unwrap().trim().parse().unwrap();
        assert!(bytes[start..].starts_with(b"xref"));
        // An unbalanced bracket and a backslash are escaped; WinAnsi bytes
        // past ASCII (the dash is 0x96) go in a hex string.
        assert!(text.contains("(a \\(bracket \\\\ line)"));
        let hex: String = encode("– dash")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(text.to_ascii_lowercase().contains(&format!("<{hex}>")));
    }
}
