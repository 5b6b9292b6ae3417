//! A minimal PDF 1.4 writer for plain text documents (headings, paragraphs
//! and bullets) on A4 pages, using the standard Helvetica and
//! Helvetica-Bold Type 1 fonts with WinAnsiEncoding. Pure: it builds bytes
//! and does no IO. Text is wrapped using the Helvetica character widths and
//! flows onto new pages automatically; content streams are uncompressed.

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

    /// The complete PDF file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let pages = self.layout();
        let n_pages = pages.len();
        // Objects: 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold,
        // 5 info, then a page and its content stream per page.
        let page_id = |i: usize| 6 + 2 * i;
        let mut objects: Vec<Vec<u8>> = Vec::new();
        objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
        let kids: Vec<String> = (0..n_pages)
            .map(|i| format!("{} 0 R", page_id(i)))
            .collect();
        objects.push(
            format!(
                "<< /Type /Pages /Kids [{}] /Count {} >>",
                kids.join(" "),
                n_pages
            )
            .into_bytes(),
        );
        for base in ["Helvetica", "Helvetica-Bold"] {
            objects.push(
                format!(
                    "<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>"
                )
                .into_bytes(),
            );
        }
        objects.push(
            format!(
                "<< /Title {} /Producer {} >>",
                text_string(&self.title),
                text_string("Doorstep")
            )
            .into_bytes(),
        );
        for (i, page) in pages.iter().enumerate() {
            objects.push(
                format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] \
                     /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                    page_id(i) + 1
                )
                .into_bytes(),
            );
            let mut content = Vec::new();
            for p in page {
                content.extend_from_slice(
                    format!(
                        "BT /{} {:.2} Tf {:.2} {:.2} Td ",
                        if p.bold { "F2" } else { "F1" },
                        p.size,
                        p.x,
                        p.y
                    )
                    .as_bytes(),
                );
                content.extend_from_slice(&pdf_string(&p.text));
                content.extend_from_slice(b" Tj ET\n");
            }
            let mut obj = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
            obj.extend_from_slice(&content);
            obj.extend_from_slice(b"\nendstream");
            objects.push(obj);
        }

        let mut out: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::with_capacity(objects.len());
        for (i, obj) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(obj);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(format!("xref\n0 {}\n", objects.len() + 1).as_bytes());
        out.extend_from_slice(b"0000000000 65535 f \n");
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }
}

/// A PDF literal string of WinAnsi bytes: `(`, `)` and `\` escaped, bytes
/// outside printable ASCII written as octal escapes.
fn pdf_string(bytes: &[u8]) -> Vec<u8> {
    let mut s = vec![b'('];
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                s.push(b'\\');
                s.push(b);
            }
            32..=126 => s.push(b),
            _ => s.extend_from_slice(format!("\\{b:03o}").as_bytes()),
        }
    }
    s.push(b')');
    s
}

/// A PDF text string (for /Info) as UTF-16BE hex with a byte-order mark.
fn text_string(text: &str) -> String {
    let mut s = String::from("<FEFF");
    for unit in text.encode_utf16() {
        s.push_str(&format!("{unit:04X}"));
    }
    s.push('>');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_common_characters_to_win_ansi() {
        assert_eq!(
            encode("–½£’“”é"),
            vec![0x96, 0xbd, 0xa3, 0x92, 0x93, 0x94, 0xe9]
        );
        assert_eq!(encode("✓"), b"?".to_vec());
    }

    #[test]
    fn escapes_strings() {
        assert_eq!(pdf_string(b"a(b)c\\"), b"(a\\(b\\)c\\\\)".to_vec());
        assert_eq!(pdf_string(&[0x96]), b"(\\226)".to_vec());
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
    fn xref_offsets_point_at_objects() {
        let mut d = PdfDocument::new("T");
        d.heading("H");
        d.paragraph(&"lorem ipsum ".repeat(2000));
        let bytes = d.to_bytes();
        let pos = bytes
            .windows(10)
            .rposition(|w| w == b"startxref\n")
            .unwrap();
        let tail = std::str::from_utf8(&bytes[pos..]).unwrap();
        let start: usize = tail.lines().nth(1).unwrap().parse().unwrap();
        assert!(bytes[start..].starts_with(b"xref"));
        let xref = std::str::from_utf8(&bytes[start..]).unwrap();
        for (i, line) in xref
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .enumerate()
        {
            let off: usize = line[..10].parse().unwrap();
            assert!(bytes[off..].starts_with(format!("{} 0 obj", i + 1).as_bytes()));
        }
        let latin1: String = bytes.iter().map(|&b| b as char).collect();
        assert!(latin1.matches("/Type /Page ").count() >= 2);
    }
}
