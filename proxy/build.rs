//! `sqlx::migrate!` embeds `migrations/` at compile time; rebuild when a migration is
//! added or changed, or the binary would run without it.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
