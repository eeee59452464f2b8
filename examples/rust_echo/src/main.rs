//! rust_echo: an OutLayer program in Rust. It reads the request's input
//! from stdin and writes it back on stdout, prefixed with the caller taken
//! from the NEAR_SENDER_ID environment variable the worker sets.
use std::io::{Read, Write};

fn main() {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("cannot read stdin: {e}");
        std::process::exit(1);
    }
    let sender = std::env::var("NEAR_SENDER_ID").unwrap_or_else(|_| "someone".to_string());
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{sender} said: ");
    let _ = out.write_all(&input);
}
