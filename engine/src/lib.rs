//! netclaw's security core as a library: the CLI, the daemon and the doctor all call
//! this crate, so every decision is made in one place.
//!
//! Every module is private; the list below is the whole public surface, so the
//! `dead_code` lint sees what nothing outside uses. The entry points:
//! - load a home: [`HomeFiles::read`] → [`HomeConfig::load`];
//! - compile and decide: [`CompiledPolicy::compile`] → [`CompiledPolicy::authorize`];
//! - analyse a shell command on its own: [`check_shell`];
//! - gate a deployment: [`diagnose`], printed by an [`Emitter`].
//!
//! File-system access happens in two places: [`HomeFiles::read`] reads the home's
//! files once (loading and compiling are pure functions of what it read), and
//! [`ProtectedPaths`] resolves paths a request names (symbolic links, `..`, the
//! working directory) so a decision is about the file the tool would really touch.

// Inside the crate, `pub(crate)` says what `pub` would hide: nothing is public by accident.
#![warn(unreachable_pub)]

mod approvals;
mod audit;
mod config;
mod cores;
mod daemon;
mod decision;
mod diagnostic;
mod doctor;
mod document;
mod glob;
mod hard_deny;
mod home;
mod json_pointer;
mod paths;
mod policy;
#[cfg(test)]
mod publish;
mod reason;
mod redaction;
mod schema;
mod secrets;
mod shell;
mod state_file;
mod store;
mod timestamp;
mod tripwire;
mod webhooks;

pub use approvals::{
    ApprovalRow, ApprovalsError, list as approvals_list, prune as approvals_prune, revoke as approvals_revoke,
};
pub use audit::{AuditEntry, AuditFilter, list as audit_list, ocsf as audit_ocsf, record_decision, show as audit_show};
pub use config::{
    Audience, ConfigEntry, ConfigListing, ENV_PREFIX, EnvVar, HardDenyRule, HomeConfig, PUBLIC_TOOLS, SHELL_TOOL,
    TEAM_EXTRA_TOOLS,
};
pub use daemon::{
    Answer as ApprovalAnswer, Answered as ApprovalAnswered, ClientError, DaemonError, DaemonOptions, DaemonStatus,
    PendingApproval, answer_approval, pending_approvals, run as run_daemon, running_pid as daemon_pid,
    status as daemon_status, stop as stop_daemon, wait_until_listening as wait_for_daemon,
};
pub use decision::{AuthorizeRequest, Decision, Effect, Layer};
pub use doctor::output::{Emitter, JsonEmitter, SarifEmitter, TextEmitter};
pub use doctor::{
    DEFAULT_APPROVAL_MAX_AGE_DAYS, DoctorError, DoctorOptions, FindingSeverity, FixError, FixMode, FixSummary, diagnose,
};
pub use hard_deny::{HardDenyRules, ShellCheckReport, ShellDecision, ShellEnv, ShellVerdict, check_shell};
pub use home::{Home, HomeFiles};
pub use paths::ProtectedPaths;
pub use policy::{
    ANY_OTHER_TOOL, Action, AudiencePermissions, CEDAR_SCHEMA, ChangeKind, CompileError, CompiledPolicy,
    Counterexample, Invariants, Mode, PolicyDiff, ProofCache, ProofQuestion, ProofStatus, PropertyResult,
    ProvedWidening, Prover, Question, Remembered, SOLVER_INSTALL, VerifyError, VerifyReport, diff as diff_policies,
    prove_widening, verify as verify_policy,
};
pub use reason::ReasonCode;
pub use redaction::{MASK as REDACTION_MASK, RedactStats, redact, redact_stream};
pub use secrets::{
    RotateReport, SecretListing, SecretState, SecretsError, UnsealError, encrypt_all as encrypt_secrets,
    list as list_secrets, rotate_key as rotate_secrets_key, set as set_secret,
};
pub use store::StoreError;
pub use timestamp::rfc3339 as rfc3339_utc;
pub use tripwire::{Risk, ScanAction, ScanFinding, ScanReport, scan as scan_text, scan_stream};
pub use webhooks::{
    HeaderList, Headers, Outcome as WebhookOutcome, OutcomeBody as WebhookOutcomeBody, QueuedDelivery, RouteError,
    RouteListing, RouteRef, RouteSummary, Verified as WebhookVerified, deliveries as webhook_deliveries,
    list_routes as list_webhook_routes, verify as verify_webhook,
};
