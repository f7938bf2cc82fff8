//! The classification scheme of a body's policy and the handling rules it implies.
//!
//! A scheme is data, read from the body's profile: its axes (機密性, 完全性, 可用性 — or a single
//! 重要性分類), the levels of each axis and **their order**, the names shown to people, and the
//! handling rules (取扱制限) that say which lifecycle actions need what at which levels. Nothing in
//! code knows that 「機密性３」 is above 「機密性２」 or that 「重要性分類Ⅰ」 is the highest: the
//! data states the order (`order = "highest_first"` or `"lowest_first"`), and validation stores
//! every axis from lowest to highest.
//!
//! Other features never compare level keys or numbers themselves. They ask the scheme:
//! [`ClassificationScheme::requires`] for what an action needs, [`ClassificationScheme::is_at_least`]
//! and [`ClassificationScheme::compare_level`] for order, [`ClassificationScheme::highest`] for a
//! medium holding several assets (S-2.(2)⑤(ウ)).
//!
//! Two schemes ship as data: the guideline's C3/2/1 · I2/1 · A2/1 ([`ClassificationScheme::guideline`])
//! and the single-axis 重要性分類 Ⅰ–Ⅳ where Ⅰ is the highest
//! ([`ClassificationScheme::importance_four`]). A body can define its own with
//! [`ClassificationScheme::from_toml`]; `data/guideline.toml` documents the format.

mod actions;
mod data;
mod requirements;
mod scheme;

pub use actions::*;
use data::*;
pub use requirements::*;
pub use scheme::*;

const GUIDELINE_TOML: &str = include_str!("../../data/guideline.toml");
const IMPORTANCE_FOUR_TOML: &str = include_str!("../../data/importance-4.toml");

/// Characters that separate the axes in a written classification (「機密性２・完全性２・可用性１」).
/// Names may not contain them, or a displayed classification could not be read back.
const SEPARATORS: [char; 6] = ['・', '/', ',', '、', ';', '|'];

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
