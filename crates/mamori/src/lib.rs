//! The mamori binary's library half: settings and the one startup path that `main` and the
//! tests both use.

pub mod asset_bench;
pub mod bench;
pub mod http_bench;
pub mod scratch;
pub mod settings;
pub mod startup;

pub use settings::Settings;
pub use startup::Application;
