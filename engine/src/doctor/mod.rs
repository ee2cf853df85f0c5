//! `netclaw doctor`: diagnostic checks over a home.
//!
//! One module per check under `checks/`, each implementing [`Check`], all listed once
//! in [`CHECKS`]. A check reads the already-loaded home ([`DoctorContext`]), so files
//! are read and parsed once however many checks look at them; only what files do not
//! hold (modes, the SQLite store) is looked up on disk.

mod checks;
mod fix;
mod modes;
pub(crate) mod output;
mod report;

use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::Audience;
use crate::config::HomeConfig;
use crate::home::{Home, HomeFiles};
use crate::paths::ProtectedPaths;
use crate::policy::{CompileError, CompiledPolicy, Mode, PolicyDraft};

pub use fix::FixError;
pub(crate) use fix::{Fix, apply as apply_fixes, safe as safe_fixes};
pub use report::FindingSeverity;
pub use report::FixSummary;
pub(crate) use report::{CheckReport, CheckSeverity, DoctorReport, Finding};

/// What every check sees.
#[derive(Debug)]
pub(crate) struct DoctorContext<'a> {
    /// For the facts files do not hold: modes, the SQLite store.
    pub home: &'a Home,
    pub files: &'a HomeFiles,
    pub config: &'a HomeConfig,
    /// Where the protected paths are, for the checks that compile the policies.
    pub paths: &'a ProtectedPaths,
    /// Compiled on first use and shared: several checks read the policy set, and the
    /// answers they report must be the authorizer's own.
    compiled: OnceLock<Result<CompiledPolicy, CompileError>>,
    /// The policy set drafted while the home loaded, if it was: the compile finishes it.
    draft: Mutex<Option<Result<PolicyDraft, CompileError>>>,
    /// The authorizer's answers for an interactive caller, by audience and tool:
    /// several checks ask about the same tools.
    tool_modes: std::sync::Mutex<std::collections::HashMap<(Audience, String), Option<Mode>>>,
    /// "Now", for ages; fixed by tests.
    pub now: SystemTime,
    /// Persisted approvals older than this many days are reported.
    pub approval_max_age_days: u32,
    pub proof_cache: Option<crate::policy::ProofCache>,
}

impl<'a> DoctorContext<'a> {
    pub(crate) fn new(home: &'a Home, files: &'a HomeFiles, config: &'a HomeConfig, paths: &'a ProtectedPaths) -> Self {
        Self {
            home,
            files,
            config,
            paths,
            compiled: OnceLock::new(),
            draft: Mutex::new(None),
            tool_modes: Default::default(),
            now: SystemTime::now(),
            approval_max_age_days: DEFAULT_APPROVAL_MAX_AGE_DAYS,
            proof_cache: None,
        }
    }

    /// The mode the authorizer gives each `(audience, tool)` (`None`: not granted);
    /// answers already known are not asked again.
    pub(crate) fn tool_modes(&self, policy: &CompiledPolicy, asked: &[(Audience, &str)]) -> Vec<Option<Mode>> {
        let missing: Vec<(Audience, &str)> = match self.tool_modes.lock() {
            Ok(known) => asked.iter().filter(|(a, t)| !known.contains_key(&(*a, (*t).to_owned()))).copied().collect(),
            Err(_) => asked.to_vec(),
        };
        let answers = missing.iter().map(|(a, t)| (*a, (*t).to_owned())).zip(policy.probe_modes(&missing));
        let Ok(mut modes) = self.tool_modes.lock() else {
            return policy.probe_modes(asked);
        };
        modes.extend(answers);
        asked.iter().map(|(a, t)| modes.get(&(*a, (*t).to_owned())).copied().flatten()).collect()
    }

    fn with(mut self, options: &DoctorOptions) -> Self {
        self.now = options.now.unwrap_or(self.now);
        self.approval_max_age_days = options.approval_max_age_days.unwrap_or(self.approval_max_age_days);
        self.proof_cache.clone_from(&options.proof_cache);
        self
    }

    /// Days since 1970-01-01; `None` on a clock set before it.
    pub(crate) fn today(&self) -> Option<i64> {
        let seconds = self.now.duration_since(UNIX_EPOCH).ok()?.as_secs();
        i64::try_from(seconds / 86_400).ok()
    }

    /// The policy set this home compiles to, as the authorizer would build it.
    pub(crate) fn compiled(&self) -> &Result<CompiledPolicy, CompileError> {
        self.compiled.get_or_init(|| {
            let drafted = self.draft.lock().ok().and_then(|mut draft| draft.take());
            let draft = || drafted.unwrap_or_else(|| PolicyDraft::of(&self.config.config, self.paths));
            CompiledPolicy::finish(draft, self.config)
        })
    }
}

/// Where a key of the effective `netclaw.json` is set; a default is placed at the
/// key's pointer in `netclaw.json`, where setting it would go.
pub(crate) fn place(config: &crate::config::EffectiveConfig, pointer: &str) -> crate::diagnostic::Location {
    let location = config.locate(pointer);
    if location.file == "defaults" {
        crate::diagnostic::Location::at(crate::home::NETCLAW_JSON, pointer)
    } else {
        location
    }
}

/// What one check concluded, before the registry stamps its name and id on it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct CheckOutcome {
    pub message: String,
    pub remediation: Option<String>,
    pub findings: Vec<Finding>,
    /// The safe, mechanical changes that would clear some of the findings.
    pub fixes: Vec<Fix>,
}

impl CheckOutcome {
    /// For a check that reads the effective config when there is none: Config Schema
    /// already fails and says why.
    fn skipped() -> Self {
        Self::note("skipped: the configuration is invalid (see Config Schema)")
    }

    /// A message and nothing found.
    fn note(message: impl Into<String>) -> Self {
        Self { message: message.into(), ..Self::default() }
    }

    /// The common shape: `clean` when nothing was found, else a count of what was and
    /// the remediation for all of it.
    fn found(findings: Vec<Finding>, clean: impl Into<String>, remediation: &str) -> Self {
        if findings.is_empty() {
            return Self::note(clean);
        }
        let errors = findings.iter().filter(|f| f.severity == FindingSeverity::Error).count();
        let warnings = findings.len() - errors;
        let message = match (errors, warnings) {
            (0, w) => format!("{w} warning(s)"),
            (e, 0) => format!("{e} error(s)"),
            (e, w) => format!("{e} error(s), {w} warning(s)"),
        };
        Self { message, remediation: Some(remediation.to_owned()), findings, fixes: Vec::new() }
    }

    fn with_fixes(mut self, fixes: Vec<Fix>) -> Self {
        self.fixes = fixes;
        self
    }
}

pub(crate) trait Check: Sync {
    /// Stable kebab-case id (`config-schema`), accepted by `--only`.
    fn id(&self) -> &'static str;
    /// netclaw's display name (`Config Schema`), also accepted by `--only`.
    fn name(&self) -> &'static str;
    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome;
    /// Whether the check reads the compiled policy set, and so waits while it compiles.
    /// The order checks run in depends on it, and whether the set is drafted while the
    /// home loads.
    fn reads_policies(&self) -> bool {
        false
    }
}

/// Every check, in the order they run and print.
pub(crate) const CHECKS: &[&dyn Check] = &[
    &checks::ConfigSchema,
    &checks::ToolAudienceProfiles,
    &checks::SecurityPolicy,
    &checks::SlackAcl,
    &checks::SecretsJson,
    &checks::SqliteProvisioning,
    &checks::InboundWebhookRoutes,
    &checks::ExposureModeCheck,
    &checks::ToolApprovalsCheck,
    &checks::HardDenyOverrides,
    &checks::PolicyCompile,
    &checks::PolicyInvariants,
];

/// `--only` named a check that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown check `{name}`; known checks: {known}")]
pub struct UnknownCheck {
    pub name: String,
    pub known: String,
}

/// The age past which a persisted approval is reported, unless told otherwise.
pub const DEFAULT_APPROVAL_MAX_AGE_DAYS: u32 = 90;

/// What `netclaw doctor` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct DoctorOptions {
    /// Checks to run, by id or name (case-insensitive); empty runs them all.
    pub only: Vec<String>,
    pub skip: Vec<String>,
    /// Leave out findings below this severity (`--severity-min fail` hides warnings).
    pub severity_min: Option<FindingSeverity>,
    pub fix: FixMode,
    /// Overrides [`DEFAULT_APPROVAL_MAX_AGE_DAYS`].
    pub approval_max_age_days: Option<u32>,
    /// Overrides the clock (tests, reproducible reports).
    pub now: Option<SystemTime>,
    /// Where the Policy Invariants check remembers its proofs; `None` proves every time.
    pub proof_cache: Option<crate::policy::ProofCache>,
    /// The caller exits once it has the report (the CLI): what was read and compiled
    /// is then left to the system, which takes a process's memory back in one go at
    /// exit, rather than freed allocation by allocation (15 ms of a core on a large
    /// home, while the report is written and the process exits).
    pub exits_after: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FixMode {
    #[default]
    Off,
    /// List what `Apply` would change.
    DryRun,
    Apply,
}

#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error(transparent)]
    UnknownCheck(#[from] UnknownCheck),
    #[error(transparent)]
    Fix(#[from] FixError),
    /// `--only` and `--skip` left nothing to run: a gate that ran no check must not pass.
    #[error("--only and --skip leave no check to run")]
    NoChecks,
}

/// Reads the home, runs the checks, and with `--fix` applies their fixes and runs the
/// checks again, so the report shows the home as it is afterwards.
pub fn diagnose(
    home: &Home,
    env: &[crate::config::EnvVar],
    paths: &ProtectedPaths,
    options: &DoctorOptions,
) -> Result<DoctorReport, DoctorError> {
    let (checks, fixes) = read_and_run(home, env, paths, options)?;
    let fixes = fix::safe(home, fixes);
    let summary = match options.fix {
        FixMode::Off => return Ok(DoctorReport::new(checks, FixSummary::default())),
        FixMode::DryRun => fix::plan(&fixes),
        FixMode::Apply => fix::apply(home, &fixes)?,
    };
    if options.fix == FixMode::DryRun || summary.changed_files == 0 {
        return Ok(DoctorReport::new(checks, summary));
    }
    let (checks, _) = read_and_run(home, env, paths, options)?;
    Ok(DoctorReport::new(checks, summary))
}

/// Reads the home as it is now and runs the checks on it.
fn read_and_run(
    home: &Home,
    env: &[crate::config::EnvVar],
    paths: &ProtectedPaths,
    options: &DoctorOptions,
) -> Result<(Vec<CheckReport>, Vec<Fix>), DoctorError> {
    let selected = selected(options)?;
    let files = HomeFiles::read(home);
    // Most of the compile needs only the config, which loads well before the
    // approval store: it is drafted meanwhile, if a check will read the set.
    let drafts = selected.iter().any(|check| check.reads_policies());
    let (config, draft) = HomeConfig::load_and(&files, env, |config| drafts.then(|| PolicyDraft::of(config, paths)));
    let mut context = DoctorContext::new(home, &files, &config, paths).with(options);
    context.draft = Mutex::new(draft);
    let ran = run(&context, &selected, options);
    let state = (context.compiled.into_inner(), context.draft, config, files);
    if options.exits_after {
        // Reclaimed with the process, in one go.
        std::mem::forget(state);
    } else {
        // A large home's compiled set, config and files take 15 ms to free, longer
        // than most checks take to run.
        crate::cores::discard(state);
    }
    Ok(ran)
}

/// The checks `options` selects: those `only` names (by id or name), or all of them,
/// but those `skip` names.
fn selected(options: &DoctorOptions) -> Result<Vec<&'static dyn Check>, DoctorError> {
    let skipped = named(&options.skip)?;
    let mut selected = if options.only.is_empty() { CHECKS.to_vec() } else { named(&options.only)? };
    selected.retain(|check| !skipped.iter().any(|s| s.id() == check.id()));
    if selected.is_empty() {
        return Err(DoctorError::NoChecks);
    }
    Ok(selected)
}

/// Runs the `selected` checks.
fn run(context: &DoctorContext<'_>, selected: &[&dyn Check], options: &DoctorOptions) -> (Vec<CheckReport>, Vec<Fix>) {
    let mut fixes = Vec::new();
    let reports = selected
        .iter()
        .zip(run_all(selected, context))
        .map(|(check, mut outcome)| {
            outcome.findings = outcome.findings.into_iter().map(Finding::scrubbed).collect();
            outcome.message = crate::redaction::redact(&outcome.message).into_owned();
            if let Some(min) = options.severity_min {
                let found = outcome.findings.len();
                outcome.findings.retain(|f| f.severity >= min);
                if outcome.findings.is_empty() && found > 0 {
                    outcome.message = format!("{found} finding(s) below --severity-min");
                    outcome.remediation = None;
                }
            }
            fixes.append(&mut outcome.fixes);
            CheckReport {
                name: check.name().to_owned(),
                id: check.id().to_owned(),
                severity: CheckReport::severity_of(&outcome.findings),
                message: outcome.message,
                remediation: outcome.remediation,
                findings: outcome.findings,
            }
        })
        .collect();
    (reports, fixes)
}

/// Each check's outcome, in order. Two threads each take the next check no one has
/// taken. The proofs go first: when they must be made they are the longest check, and
/// they start the compile. The checks that do not read the compiled set go next, on
/// the other core while the set compiles; those that do follow, and the large ones
/// (grants, approvals) overlap the proofs. A check that panics panics here, as it
/// would alone.
fn run_all(checks: &[&dyn Check], context: &DoctorContext<'_>) -> Vec<CheckOutcome> {
    let mut queue = checks.to_vec();
    queue.sort_by_key(|check| (check.id() != checks::PolicyInvariants.id(), check.reads_policies()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        while let Some(check) = queue.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
            done.push((check.id(), check.run(context)));
        }
        done
    };
    let mut all: Vec<(&str, CheckOutcome)> = std::thread::scope(|scope| {
        let other = scope.spawn(work);
        let mine = work();
        let theirs = other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        mine.into_iter().chain(theirs).collect()
    });
    let order = |id: &str| checks.iter().position(|c| c.id() == id);
    all.sort_by_key(|(id, _)| order(id));
    all.into_iter().map(|(_, outcome)| outcome).collect()
}

/// The checks `names` names, in registry order whatever order they came in.
fn named(names: &[String]) -> Result<Vec<&'static dyn Check>, UnknownCheck> {
    let known = || CHECKS.iter().map(|c| c.id()).collect::<Vec<_>>().join(", ");
    let mut selected = Vec::new();
    for name in names {
        let check = CHECKS
            .iter()
            .find(|c| c.id().eq_ignore_ascii_case(name) || c.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownCheck { name: name.clone(), known: known() })?;
        if !selected.iter().any(|s: &&dyn Check| s.id() == check.id()) {
            selected.push(*check);
        }
    }
    // Keep registry order whatever order `--only` used.
    selected.sort_by_key(|s| CHECKS.iter().position(|c| c.id() == s.id()));
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Ids are what CI gates and `--only` use; two checks with one id would be ambiguous.
    #[test]
    fn check_ids_and_names_are_unique_and_kebab_case() {
        let ids: HashSet<_> = CHECKS.iter().map(|c| c.id()).collect();
        let names: HashSet<_> = CHECKS.iter().map(|c| c.name()).collect();
        assert_eq!(ids.len(), CHECKS.len());
        assert_eq!(names.len(), CHECKS.len());
        for id in ids {
            assert!(id.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())), "{id}");
        }
    }

    #[test]
    fn only_accepts_ids_and_names_and_rejects_unknown() {
        let by_name = named(&["inbound webhook routes".to_owned(), "config-schema".to_owned()]);
        let ids = by_name.map(|s| s.iter().map(|c| c.id()).collect::<Vec<_>>());
        assert_eq!(ids, Ok(vec!["config-schema", "inbound-webhook-routes"]));
        assert!(named(&["nope".to_owned()]).is_err());
    }
}
