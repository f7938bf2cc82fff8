//! How long writing, reading and checking the 情報資産台帳 takes: 10,000 and 100,000 assets of
//! the sample register as `.xlsx`, UTF-8 CSV and Shift_JIS CSV, each written, read back and
//! checked under the guideline's scheme. Prints figures, asserts nothing. Run with
//! `cargo run --release -p mamori-io --example asset_table_bench`.

#[path = "../tests/asset_sample/mod.rs"]
mod asset_sample;

use std::error::Error;
use std::time::{Duration, Instant};

use mamori_domain::classification::ClassificationScheme;
use mamori_io::asset_table::{
    AssetExportRow, CsvEncoding, OrgExportError, assets_csv, assets_xlsx, parse_assets, read_table,
};

fn ms(d: Duration) -> String {
    format!("{:8.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), Box<dyn Error>> {
    let scheme = ClassificationScheme::guideline()?;
    println!(
        "{:>7} {:<8} {:>9} {:>11} {:>11} {:>11}",
        "rows", "file", "KiB", "write", "read", "parse"
    );
    for n in [10_000, 100_000] {
        let assets = asset_sample::many(n);
        type Writer = fn(&[AssetExportRow]) -> Result<Vec<u8>, OrgExportError>;
        let writers: [(&str, &str, Writer); 3] = [
            ("xlsx", "台帳.xlsx", |a| assets_xlsx(a)),
            ("csv-utf8", "台帳.csv", |a| {
                assets_csv(a, CsvEncoding::Utf8Bom)
            }),
            ("csv-sjis", "台帳.csv", |a| {
                assets_csv(a, CsvEncoding::ShiftJis)
            }),
        ];
        for (kind, file_name, write) in writers {
            let started = Instant::now();
            let bytes = write(&assets)?;
            let written = started.elapsed();
            let started = Instant::now();
            let table = read_table(file_name, &bytes)?;
            let read = started.elapsed();
            let started = Instant::now();
            let parsed = parse_assets(&table, &asset_sample::units, &scheme);
            let parse = started.elapsed();
            if parsed.rows.len() != n || !parsed.problems.is_empty() {
                return Err(format!(
                    "{kind}: {} rows, {:?}",
                    parsed.rows.len(),
                    parsed.problems.first()
                )
                .into());
            }
            println!(
                "{n:>7} {kind:<8} {:>9} {} {} {}",
                bytes.len() / 1024,
                ms(written),
                ms(read),
                ms(parse),
            );
        }
    }
    Ok(())
}
