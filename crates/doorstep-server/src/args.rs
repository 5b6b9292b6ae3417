//! Command-line arguments of `doorstep-server`.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The default database: an SQLite file in the working directory.
pub const DEFAULT_DATABASE: &str = "doorstep-server.db";

/// Doorstep's central sync server.
#[derive(Debug, Parser)]
#[command(name = "doorstep-server", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Administer teams, practitioners, devices and allocations.
    Admin(AdminArgs),
}

/// Where the hub's data lives.
#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// An SQLite file path (the default, no set-up) or a
    /// `postgres://user@host:port/db` URL (several servers may share it).
    #[arg(long, env = "DOORSTEP_DATABASE_URL", default_value = DEFAULT_DATABASE)]
    pub database_url: String,
}

/// `serve`.
/// Syncs worked on at once when `--max-concurrent-syncs` is not given: two
/// per CPU core.
pub fn default_concurrent_syncs() -> usize {
    2 * std::thread::available_parallelism().map_or(1, usize::from)
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Database.
    #[command(flatten)]
    pub database: DatabaseArg,
    /// Address and port to listen on (port 0 picks a free one; the address
    /// in use is printed on the first line of output).
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub listen: SocketAddr,
    /// TLS certificate chain (PEM).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve plain HTTP. Refused unless `--listen` is a loopback address:
    /// for development and tests on one machine only.
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
    pub insecure_dev_http: bool,
    /// Largest request body accepted, in bytes (larger gets 413).
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Sync requests worked on at once; others wait for a turn (their
    /// bodies not yet read), and past `--sync-wait-secs` get 503 with
    /// Retry-After. Default: twice the machine's CPU cores (more only
    /// makes them take turns for the cores and the database's locks).
    #[arg(long)]
    pub max_concurrent_syncs: Option<usize>,
    /// How long a sync request waits for a turn before 503.
    #[arg(long, default_value_t = 20)]
    pub sync_wait_secs: u64,
    /// How long a request body may take to arrive (408 past it).
    #[arg(long, default_value_t = 30)]
    pub body_timeout_secs: u64,
    /// Days a device token lasts without use (each sync renews it); an
    /// expired laptop is enrolled again and erases nothing.
    #[arg(long, default_value_t = 90)]
    pub token_days: i64,
    /// Days after a family moves to another health visitor during which
    /// the previous one's laptops may still send their work from before
    /// the move; after that it is refused.
    #[arg(long, default_value_t = 30)]
    pub departure_days: i64,
    /// Enrolment attempts allowed from one address per minute (429 past
    /// it, audited).
    #[arg(long, default_value_t = NonZeroU32::new(10).expect("non-zero"))]
    pub enrol_per_minute: NonZeroU32,
    /// Sync requests allowed from one device per minute (a sync of a large
    /// caseload takes a few; the app syncs about once a minute).
    #[arg(long, default_value_t = NonZeroU32::new(120).expect("non-zero"))]
    pub sync_per_minute: NonZeroU32,
    /// Sync requests whose token the server does not accept, allowed from
    /// one address (an IPv6 /64) per minute; accepted ones are limited per
    /// device, so laptops behind a trust's proxy never lock one another out.
    #[arg(long, default_value_t = NonZeroU32::new(600).expect("non-zero"))]
    pub sync_per_address_per_minute: NonZeroU32,
}

/// `admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Database.
    #[command(flatten)]
    pub database: DatabaseArg,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// Administration commands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Teams.
    Team {
        /// What to do.
        #[command(subcommand)]
        command: TeamCommand,
    },
    /// Practitioners.
    Practitioner {
        /// What to do.
        #[command(subcommand)]
        command: PractitionerCommand,
    },
    /// Issue a one-time device enrolment code for a practitioner.
    EnrolmentCode {
        /// Practitioner name or id.
        #[arg(long)]
        practitioner: String,
        /// Hours until the code expires.
        #[arg(long, default_value_t = 24)]
        valid_hours: i64,
    },
    /// Allocate (or reallocate) a family to a practitioner and their team.
    Allocate {
        /// Family id.
        #[arg(long)]
        family: String,
        /// Practitioner name or id.
        #[arg(long)]
        practitioner: String,
    },
    /// Import new-birth and antenatal notifications from a CSV file.
    ImportNotifications {
        /// The CSV file (see README for the columns).
        file: PathBuf,
    },
    /// Revoke a device: its token stops working, except that its next
    /// sync sends the work the server does not yet hold; then it erases
    /// its data.
    Revoke {
        /// Device id.
        #[arg(long)]
        device: String,
    },
    /// Wipe a device (a stolen laptop): revoked, and at its next contact it
    /// erases its data and sends nothing.
    Wipe {
        /// Device id.
        #[arg(long)]
        device: String,
    },
    /// Devices and their state.
    Devices,
    /// A laptop's audit log as this server holds it (every row it sent,
    /// append-only), checked: exit 0 when the rows chain to the tip
    /// acknowledged to the laptop, 4 when they do not.
    DeviceAudit {
        /// Device id.
        #[arg(long)]
        device: String,
    },
    /// Seal the audit written since the last seal into its hash chain,
    /// then walk the whole chain: exit 0 when it holds, 4 when it is
    /// broken (an edited, removed or reordered row).
    AuditVerify,
    /// Caseload per practitioner and team: children under 5, families by
    /// level, weighted load against the limit.
    Caseload {
        /// Organisation configuration (the devices' config.json format) for
        /// the weights and the limit; defaults otherwise.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Start a new epoch: run after restoring the database from a backup so
    /// every device compares its whole caseload at its next sync.
    NewEpoch,
}

/// `admin team …`.
#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Create a team.
    Create {
        /// Team name.
        name: String,
    },
    /// List teams.
    List,
}

/// `admin practitioner …`.
#[derive(Debug, Subcommand)]
pub enum PractitionerCommand {
    /// Create a practitioner.
    Create {
        /// Full name.
        #[arg(long)]
        name: String,
        /// Role (e.g. health-visitor, nursery-nurse).
        #[arg(long)]
        role: String,
        /// Team name or id.
        #[arg(long)]
        team: String,
    },
    /// List practitioners.
    List,
}
