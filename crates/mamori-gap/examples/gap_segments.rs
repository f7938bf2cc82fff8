fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    match mamori_gap::Document::from_path(std::path::Path::new(&path)) {
        Ok(doc) => {
            for p in &doc.provisions {
                println!(
                    "{}\t{}\t{:?}\tparent={:?}\t{}\t{}",
                    p.index,
                    p.line,
                    p.path,
                    p.parent,
                    p.title,
                    p.text.replace('\n', " / ")
                );
            }
        }
        Err(e) => eprintln!("{e}"),
    }
}
