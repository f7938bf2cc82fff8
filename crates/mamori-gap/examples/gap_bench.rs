//! Times the gap analysis without building the whole binary:
//! `cargo run --release -p mamori-gap --example gap_bench [LINES]`.

fn main() {
    let lines = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    match mamori_catalog::load_embedded() {
        Ok(catalog) => {
            let t = mamori_gap::eval::bench(&catalog, lines, 5);
            println!(
                "{} 行・{} 条項の文書の分析（1スレッド）: 平均 {:.3} 秒（カタログの準備 {:.3} 秒、初回のみ）",
                t.lines, t.provisions, t.analyze, t.prepare
            );
        }
        Err(e) => eprintln!("カタログを読み込めません: {e}"),
    }
}
