//! `doorstep-server`: the trust's central sync server.
//!
//! - `serve`: HTTPS (rustls) endpoints over the hub; plain HTTP only on a
//!   loopback address with `--insecure-dev-http`.
//! - `admin …`: administration straight against the hub's database (works
//!   while a server is running on it).
//!
//! The hub (`doorstep-hub`) holds every rule; this binary only parses
//! arguments, moves bytes and maps errors to HTTP statuses.

mod admin;
mod args;
mod http;
mod tls;

use anyhow::Result;
use clap::Parser;

use crate::args::{Cli, Command};

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(opts) => http::serve(opts),
        Command::Admin(admin) => admin::run(admin),
    }
}
