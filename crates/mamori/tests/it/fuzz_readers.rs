//! Every reader of outside input, fed mutated files: the organization and asset tables (.xlsx and
//! .csv), Word and text policy documents, and the TOML a body's profile carries (classification
//! scheme, 申請の種類, risk matrix, threat catalogue). Each must answer with a value or a Japanese
//! error — never panic, never hang — and the crafted files of the probe are kept as regression
//! inputs. The mutations come from a fixed seed, so a failure repeats; set `MAMORI_FUZZ_SEED`
//! and `MAMORI_FUZZ_ROUNDS` to explore further. The peak memory of the run is printed.

use std::io::{Read, Write};

use mamori_domain::org::PersonStatus;
use mamori_io::org_table::{
    CsvEncoding, PersonExportRow, UnitRef, parse_people, parse_units, people_csv, people_xlsx,
    read_table,
};

/// xorshift64*: enough randomness for mutations, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes a mutation inserts: structure characters of CSV, XML and TOML, and awkward text.
const PIECES: &[&[u8]] = &[
    b",",
    b"\"",
    b"\r\n",
    b"\n",
    b"<",
    b">",
    b"</",
    b"/>",
    b"=",
    b"[",
    b"]",
    b"[[",
    b"\"\"\"",
    b"&amp;",
    b"&#0;",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xE2\x80\xAE",
    b"\x00",
    b"9999999999",
    b"-1",
    b"XFD1048576",
    b"r=\"A1048576\"",
    b"t=\"s\"",
    b"<v>4294967295</v>",
    "職員番号".as_bytes(),
    "機密性".as_bytes(),
    b"'",
    b"=cmd|' /C calc'!A0",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.truncate(at),
            2 => {
                let piece = PIECES[rng.below(PIECES.len())];
                out.splice(at..at, piece.iter().copied());
            }
            3 if !out.is_empty() => {
                let end = (at + rng.below(64)).min(out.len());
                let chunk = out[at.min(end)..end].to_vec();
                for _ in 0..rng.below(8) {
                    out.splice(at..at, chunk.iter().copied());
                }
            }
            4 if at < out.len() => {
                let end = (at + rng.below(16)).min(out.len());
                out.drain(at..end);
            }
            _ => out.push(rng.below(256) as u8),
        }
    }
    out
}

/// The parts of a zip file (name, bytes).
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().to_owned(), data)
        })
        .collect()
}

fn rezip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in parts {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A zip input mutated either as bytes (the archive) or inside one of its parts (the XML).
fn mutate_zip(rng: &mut Rng, input: &[u8], parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    if rng.below(3) == 0 {
        return mutate(rng, input);
    }
    let mut parts = parts.to_vec();
    let i = rng.below(parts.len());
    parts[i].1 = mutate(rng, &parts[i].1);
    rezip(&parts)
}

fn is_japanese(message: &str) -> bool {
    message
        .chars()
        .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
}

fn people() -> Vec<PersonExportRow> {
    (1..=4)
        .map(|i| PersonExportRow {
            staff_number: format!("{:05}", 100 + i),
            name: format!("試験 {i}郎"),
            name_kana: "しけん".to_owned(),
            unit: "0101".to_owned(),
            title: "主事".to_owned(),
            employment_kind: "職員".to_owned(),
            email: Some(format!("t{i}@example.lg.jp")),
            status: PersonStatus::Active,
        })
        .collect()
}

fn rounds() -> usize {
    std::env::var("MAMORI_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

fn rng() -> Rng {
    let seed = std::env::var("MAMORI_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x6d61_6d6f_7269_u64);
    Rng(seed | 1)
}

/// A table read: parsed as people and as units too, every problem in Japanese.
fn check_table(name: &str, bytes: &[u8]) {
    let resolver = |text: &str| (!text.is_empty()).then(|| UnitRef(text.to_owned()));
    match read_table(name, bytes) {
        Ok(table) => {
            for p in parse_people(&table, &resolver, &[]).problems {
                assert!(is_japanese(&p.message), "{name}: {}", p.message);
            }
            for p in parse_units(&table, None).problems {
                assert!(is_japanese(&p.message), "{name}: {}", p.message);
            }
        }
        Err(e) => assert!(is_japanese(&e.to_string()), "{name}: {e}"),
    }
}

#[test]
fn mutated_workbooks_and_csv_files_give_a_table_or_a_japanese_error() {
    let mut rng = rng();
    let xlsx = people_xlsx(&people()).unwrap();
    let parts = unzip(&xlsx);
    let csv = people_csv(&people(), CsvEncoding::ShiftJis).unwrap();
    for _ in 0..rounds() {
        check_table("職員.xlsx", &mutate_zip(&mut rng, &xlsx, &parts));
        check_table("職員.csv", &mutate(&mut rng, &csv));
    }
    print_peak_memory("tables");
}

#[test]
fn mutated_policy_documents_give_a_document_or_a_japanese_error() {
    let mut rng = rng();
    let text = "情報セキュリティ基本方針\n第1条 目的\nこの方針は、本市の情報資産を守るため定める。\n第2条 定義\n（1）情報資産 ネットワーク及び情報システム\n".repeat(4);
    let body: String = text
        .lines()
        .map(|l| format!("<w:p><w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr><w:r><w:t>{l}</w:t></w:r></w:p>"))
        .collect();
    let parts = vec![
        (
            "word/document.xml".to_owned(),
            format!("<?xml version=\"1.0\"?><w:document xmlns:w=\"w\"><w:body>{body}</w:body></w:document>").into_bytes(),
        ),
        (
            "word/numbering.xml".to_owned(),
            b"<w:numbering xmlns:w=\"w\"><w:abstractNum w:abstractNumId=\"0\"><w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/><w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"\xE7\xAC\xAC%1\xE6\x9D\xA1\"/></w:lvl></w:abstractNum><w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num></w:numbering>".to_vec(),
        ),
    ];
    let docx = rezip(&parts);
    for _ in 0..rounds() {
        for (name, bytes) in [
            ("方針.docx", mutate_zip(&mut rng, &docx, &parts)),
            ("方針.txt", mutate(&mut rng, text.as_bytes())),
        ] {
            match mamori_gap::Document::from_bytes(&bytes, name) {
                Ok(doc) => assert!(!doc.provisions.is_empty()),
                Err(e) => assert!(is_japanese(&e.to_string()), "{name}: {e}"),
            }
        }
    }
    print_peak_memory("documents");
}

#[test]
fn mutated_profile_toml_gives_a_value_or_japanese_errors() {
    use mamori_domain::approval::ApplicationKind;
    use mamori_domain::classification::ClassificationScheme;
    use mamori_domain::risk::{RiskMatrix, ThreatCatalogue};
    let mut rng = rng();
    let seeds = [
        include_str!("../../../mamori-domain/data/guideline.toml"),
        include_str!("../../../mamori-domain/data/importance-4.toml"),
        include_str!("../../../mamori-domain/data/approval-kinds.toml"),
        include_str!("../../../mamori-domain/data/risk-5x5.toml"),
        include_str!("../../../mamori-domain/data/threats.toml"),
    ];
    for _ in 0..rounds() {
        for seed in seeds {
            let bytes = mutate(&mut rng, seed.as_bytes());
            let text = String::from_utf8_lossy(&bytes);
            if let Err(e) = ClassificationScheme::from_toml(&text) {
                assert!(is_japanese(&e.to_string()), "{e}");
            }
            if let Err(errors) = ApplicationKind::from_toml(&text) {
                for e in errors {
                    assert!(is_japanese(&e.to_string()), "{e}");
                }
            }
            if let Err(e) = RiskMatrix::from_toml(&text) {
                assert!(is_japanese(&e.to_string()), "{e}");
            }
            if let Err(e) = ThreatCatalogue::from_toml(&text) {
                assert!(is_japanese(&e.to_string()), "{e}");
            }
        }
    }
    print_peak_memory("toml");
}

/// The probe's crafted inputs, kept: each refused with its Japanese error.
#[test]
fn the_crafted_files_of_the_probe_are_refused_by_name() {
    // Two cells at A1 and XFD1048576, declaring the whole sheet.
    let xlsx = people_xlsx(&people()).unwrap();
    let mut parts = unzip(&xlsx);
    sheet_of(&mut parts).1 = b"<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><dimension ref=\"A1:XFD1048576\"/><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row></sheetData></worksheet>".to_vec();
    let err = read_table("職員.xlsx", &rezip(&parts)).unwrap_err();
    assert!(err.to_string().contains("200 列目まで"), "{err}");
    // A cell reference too long for its number (found by this harness): a broken file.
    sheet_of(&mut parts).1 = b"<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A99999999999\"><v>1</v></c></row></sheetData></worksheet>".to_vec();
    let err = read_table("職員.xlsx", &rezip(&parts)).unwrap_err();
    assert!(is_japanese(&err.to_string()), "{err}");
    // A numbering level far past Word's nine (found by this harness): read as level 0.
    let docx = rezip(&[(
        "word/document.xml".to_owned(),
        "<w:document xmlns:w=\"w\"><w:body><w:p><w:pPr><w:numPr><w:ilvl w:val=\"9999999999\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr><w:r><w:t>第1条 目的 この方針は本市の情報資産を守るため定める。</w:t></w:r></w:p></w:body></w:document>".as_bytes().to_vec(),
    )]);
    assert!(mamori_gap::Document::from_bytes(&docx, "方針.docx").is_ok());
    // A .docx of spaces that expands far past its size.
    let docx = rezip(&[("word/document.xml".to_owned(), vec![b' '; 40 * 1024 * 1024])]);
    assert!(docx.len() < 512 * 1024);
    let err = mamori_gap::Document::from_bytes(&docx, "方針.docx").unwrap_err();
    assert!(err.to_string().contains("上限（32 MB）"), "{err}");
    // A CSV line of a million commas.
    let csv = format!("a{}b\r\n", ",".repeat(1_000_000));
    let err = read_table("職員.csv", csv.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("列目まで"), "{err}");
    print_peak_memory("crafted");
}

fn sheet_of(parts: &mut [(String, Vec<u8>)]) -> &mut (String, Vec<u8>) {
    parts
        .iter_mut()
        .find(|(n, _)| n.starts_with("xl/worksheets/"))
        .unwrap()
}

/// Prints the process's peak resident memory (Linux), so a run shows what the readers took.
fn print_peak_memory(what: &str) {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status")
        && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
    {
        println!(
            "{what}: peak memory of the test process {}",
            line.trim_start_matches("VmHWM:").trim()
        );
    }
}
