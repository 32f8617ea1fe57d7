//! The migrations are embedded by `sqlx::migrate!`, which does not tell
//! cargo to rebuild when a migration is added: this does.

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
