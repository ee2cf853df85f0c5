//! The command line, as clap derive types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use netclaw_engine::ApprovalAnswer;

#[derive(Debug, Parser)]
#[command(name = "netclaw", version, about = "netclaw's security core: validate config, explain decisions")]
pub struct Cli {
    /// netclaw's home [default: $NETCLAW_HOME, else ~/.netclaw]
    #[arg(long, global = true, env = "NETCLAW_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the diagnostic checks against the home
    Doctor(DoctorArgs),
    /// Inspect the configuration
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Decide one tool invocation (request JSON on stdin unless --request)
    Authorize {
        /// Read the request from this file
        #[arg(long, value_name = "FILE")]
        request: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Compile and check the Cedar policies the configuration produces
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Inspect MCP grants
    Mcp {
        #[command(subcommand)]
        command: McpCommand,
    },
    /// Analyse shell commands against the hard-deny layers
    Shell {
        #[command(subcommand)]
        command: ShellCommand,
    },
    /// Copy stdin to stdout with every recognised secret replaced by ***REDACTED***
    Redact,
    /// Prompt-injection tripwire over stdin: exit 0 allow, 1 warn (medium), 2 reject (high)
    Scan {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Keep credentials encrypted at rest (secrets.json and route secrets, keys under keys/)
    Secrets {
        #[command(subcommand)]
        command: SecretsCommand,
    },
    /// Persisted "approve always" grants in tool-approvals.json: list, revoke, prune
    Approvals {
        #[command(subcommand)]
        command: ApprovalsCommand,
    },
    /// The decision audit log: why a call was decided as it was
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Inbound webhook routes: check a signed delivery offline, list routes, read the queue
    Webhooks {
        #[command(subcommand)]
        command: WebhooksCommand,
    },
    /// The daemon: decisions over HTTP and the webhook ingress (127.0.0.1:5199 by default)
    Daemon {
        #[command(subcommand)]
        command: DaemonCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Why a recorded decision was made, and what the current config would decide
    Show {
        /// The decision id (`decisionId` in the decision)
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Recorded decisions, oldest first
    List {
        /// Only denials
        #[arg(long)]
        denied: bool,
        #[arg(long, value_name = "TOOL")]
        tool: Option<String>,
        #[arg(long, value_name = "AUDIENCE")]
        audience: Option<String>,
        /// Only decisions made within this long, e.g. 30m, 1h, 7d
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        since: Option<std::time::Duration>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Every recorded decision, one JSON object a line with OCSF field names (for a SIEM)
    Export {
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        since: Option<std::time::Duration>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApprovalsCommand {
    /// Every persisted approval with its id, scope and age
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Remove approvals by id (as `approvals list` shows them); all or none
    Revoke {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Remove approvals older than a given age, and those whose date does not read
    Prune {
        #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "90d")]
        older_than: std::time::Duration,
        /// Say what would be removed, change nothing
        #[arg(long)]
        dry_run: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Calls waiting in the running daemon for an approver's answer
    Pending {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Answer a waiting call: approve_once, approve_session, approve_always or deny
    Answer {
        /// The approval id (`approvals pending` lists them)
        id: String,
        #[arg(value_parser = parse_answer, value_name = "ANSWER")]
        answer: ApprovalAnswer,
        /// Who answers, as the audit log will name them [default: $USER]
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

fn parse_answer(text: &str) -> Result<ApprovalAnswer, String> {
    text.parse().map_err(|_| "one of approve_once, approve_session, approve_always, deny".to_owned())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Run the body-size and signature stages on a delivery, as the daemon would
    Verify {
        /// A route of the home, or a route file (`<route>.json`) anywhere
        #[arg(long, value_name = "NAME|FILE")]
        route: String,
        /// The raw request body, byte for byte
        #[arg(long, value_name = "FILE")]
        body: PathBuf,
        /// A request header, `Name: value`; repeat for more
        #[arg(short = 'H', long = "header", value_name = "HEADER")]
        headers: Vec<String>,
        /// The time to check timestamps against, in Unix seconds [default: now]
        #[arg(long, value_name = "UNIX_SECONDS")]
        now: Option<u64>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Every route: whether it is served, its audience and limits
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Deliveries in the queue (newest last); bodies are not shown
    Deliveries {
        #[arg(long, value_name = "ROUTE")]
        route: Option<String>,
        /// Only deliveries received within this long, e.g. 30m, 1h, 7d
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        since: Option<std::time::Duration>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum DaemonCommand {
    /// Serve in the foreground until SIGTERM or Ctrl-C
    Run(DaemonRunArgs),
    /// Serve in the background; the pid is in daemon.pid under the home
    Start(DaemonRunArgs),
    /// Stop the background daemon, letting requests in flight finish
    Stop,
    /// Pid, address, exposure, policy generation and digest, queue depth, last reload error
    Status {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// `90s`, `30m`, `1h`, `7d`: a number and one unit.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| format!("`{text}` is not a duration like 30m, 1h or 7d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{text}`: the unit is one of s, m, h, d")),
    };
    Ok(std::time::Duration::from_secs(number.saturating_mul(seconds)))
}

#[derive(Debug, Clone, Args)]
pub struct DaemonRunArgs {
    /// Required, with Daemon.InternetExposureConfirmed, to serve tailscale-funnel or cloudflare-tunnel
    #[arg(long)]
    pub confirm_internet_exposure: bool,
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Store one credential in secrets.json, encrypted; the value comes from stdin, or a
    /// prompt that does not echo it, never from the command line
    Set {
        /// The credential's dotted key, e.g. Slack.BotToken
        key: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Every credential, where it is and whether it is encrypted (never a value)
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Encrypt every plaintext credential in place (creates keys/secrets.key on first use)
    Encrypt {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Re-encrypt every credential under a new key and retire the old key
    RotateKey {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Write netclaw.cedar, netclaw.cedarschema and entities.json (the policy text to stdout without --out)
    Compile {
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Exit 1 if DIR differs from what would be written
        #[arg(long, requires = "out")]
        check: bool,
    },
    /// Compile and validate the policies in strict mode against the schema
    Validate,
    /// Prove the guide's invariants on the compiled policies (needs cvc5); exit 1 if one fails
    Verify {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Seconds the solver may spend on one query before it is undecided (exit 70)
        #[arg(long, value_name = "SECONDS", default_value_t = 60)]
        timeout: u64,
    },
    /// What a config change grants or takes away; exit 1 when it widens access
    Diff {
        /// The config before: a home directory or a netclaw.json file
        #[arg(long, value_name = "HOME_OR_FILE", required_unless_present = "from_git", conflicts_with = "from_git")]
        from: Option<PathBuf>,
        /// The config before: the `--to` home's files as committed at this git revision
        #[arg(long, value_name = "REF")]
        from_git: Option<String>,
        /// The config after: a home directory or a netclaw.json file
        #[arg(long, value_name = "HOME_OR_FILE")]
        to: PathBuf,
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Also decide exactly, with the solver, whether the new config allows anything
        /// the old did not (needs cvc5)
        #[arg(long)]
        prove: bool,
        /// With --prove: seconds the solver may spend on one query
        #[arg(long, value_name = "SECONDS", default_value_t = 60, requires = "prove")]
        timeout: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum McpCommand {
    /// Per audience: each MCP server, whether it is allowed, each tool's grant and approval mode
    Permissions {
        /// Only this audience (Public, Team, Personal)
        #[arg(long, value_parser = parse_audience)]
        audience: Option<netclaw_engine::Audience>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

fn parse_audience(text: &str) -> Result<netclaw_engine::Audience, String> {
    text.parse().map_err(|_| "expected Public, Team or Personal".to_owned())
}

#[derive(Debug, Subcommand)]
pub enum ShellCommand {
    /// Check one command: every segment against the hard-deny rules and protected paths
    Check {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The directory relative paths are resolved against [default: the current one]
        #[arg(long, value_name = "DIR")]
        cwd: Option<PathBuf>,
        /// The command, after `--` (several arguments are joined with spaces)
        #[arg(last = true, required = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Apply the fixes checks offer
    #[arg(long)]
    pub fix: bool,
    /// With --fix: report what would change without writing
    #[arg(long, requires = "fix")]
    pub dry_run: bool,
    /// Run only this check (id or name); repeatable
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,
    /// Leave this check out (id or name; e.g. `policy-invariants` where no solver is); repeatable
    #[arg(long, value_name = "NAME")]
    pub skip: Vec<String>,
    /// Report only findings at or above this severity (`fail` hides warnings)
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub severity_min: Option<SeverityMin>,
    /// Report persisted approvals older than this many days
    #[arg(long, value_name = "DAYS", default_value_t = netclaw_engine::DEFAULT_APPROVAL_MAX_AGE_DAYS)]
    pub approval_max_age: u32,
    /// Text: print only the checks that found something, and the summary
    #[arg(long, short)]
    pub quiet: bool,
    #[arg(long, value_enum, default_value_t = DoctorFormat::Text)]
    pub format: DoctorFormat,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the configuration with the source of each value (secrets masked)
    Show {
        /// Include built-in defaults, not only what files and the environment set
        #[arg(long)]
        effective: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// `markdown` is what a pull-request comment wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityMin {
    Warn,
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DoctorFormat {
    Text,
    Json,
    Sarif,
}
