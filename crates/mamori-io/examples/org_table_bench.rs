//! How long reading and checking a people register takes: 4,000 and 20,000 rows of the sample
//! みほん市, written as `.xlsx` and as Shift_JIS CSV, then read and parsed. Prints figures, asserts
//! nothing. Run with `cargo run --release -p mamori-io --example org_table_bench`.

#[path = "../tests/org_sample/mod.rs"]
mod org_sample;

use std::error::Error;
use std::time::{Duration, Instant};

use mamori_io::org_table::{
    CsvEncoding, OrgExportError, PersonExportRow, parse_people, people_csv, people_xlsx, read_table,
};

fn ms(d: Duration) -> String {
    format!("{:8.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), Box<dyn Error>> {
    let resolver = org_sample::unit_resolver();
    println!(
        "{:>7} {:<5} {:>9} {:>11} {:>11} {:>11} {:>11}",
        "rows", "file", "KiB", "write", "read", "parse", "read+parse"
    );
    for n in [4_000, 20_000] {
        let people = org_sample::people(n);
        type Writer = fn(&[PersonExportRow]) -> Result<Vec<u8>, OrgExportError>;
        let writers: [(&str, &str, Writer); 2] = [
            ("xlsx", "職員.xlsx", |p| people_xlsx(p)),
            ("csv", "職員.csv", |p| {
                people_csv(p, CsvEncoding::ShiftJis)
            }),
        ];
        for (kind, file_name, write) in writers {
            let started = Instant::now();
            let bytes = write(&people)?;
            let written = started.elapsed();

            let started = Instant::now();
            let table = read_table(file_name, &bytes)?;
            let read = started.elapsed();
            let started = Instant::now();
            let parsed = parse_people(&table, &resolver, &[]);
            let parse = started.elapsed();
            if parsed.rows.len() != n || !parsed.problems.is_empty() {
                return Err(
                    format!("{kind}: {} rows, {:?}", parsed.rows.len(), parsed.problems).into(),
                );
            }
            println!(
                "{n:>7} {kind:<5} {:>9} {} {} {} {}",
                bytes.len() / 1024,
                ms(written),
                ms(read),
                ms(parse),
                ms(read + parse)
            );
        }
    }
    Ok(())
}
