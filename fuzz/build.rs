//! The calendar and email modules each export the component's entry
//! points (`handle-http`, `on-event`, `on-timer`, `call-action`) as
//! unmangled symbols. Natively nothing calls them (the SDK's test host
//! calls the modules' Rust functions), but this crate's programs link
//! both modules, so each of those symbols is defined twice: the linker is
//! told to keep the first.

fn main() {
    println!("cargo:rustc-link-arg=-Wl,--allow-multiple-definition");
}
