//! Raw files → validated, typed config, collecting every diagnostic at once.
//!
//! Each file is parsed (with spans), shaped into the schema's spelling, validated, and
//! only then deserialised. `netclaw.json`, `secrets.json` and the environment are
//! layered over the defaults with provenance. Any error makes that part of the result
//! an `Err`: callers that decide (the authorizer) deny everything on it, callers that
//! report (doctor) print the diagnostics. Nothing here falls back to defaults for a
//! file that exists but is wrong.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::audience::Audience;
use super::env::{EnvVar, env_settings};
use super::hard_deny_overrides::{HardDenyOverrides, HardDenyRule, RuleShapeProblem, rule_shape_problems, word_flaw};
use super::netclaw::NetclawConfig;
use super::provenance::{self, Layered, Provenance, Source, nest};
use super::tool_approvals::{ApprovalEntry, ToolApprovals};
use super::tools::is_plain_name;
use super::webhook_route::{ROUTE_NAME_PATTERN, WebhookRoute, is_valid_route_name};
use crate::diagnostic::{Diagnostic, Location, Problem};
use crate::document::JsonDocument;
use crate::home::{
    FileRead, HARD_DENY_OVERRIDES_JSON, HomeFiles, NETCLAW_JSON, SECRETS_JSON, TOOL_APPROVALS_JSON, WEBHOOKS_DIR,
    WebhookDir,
};
use crate::json_pointer;
use crate::schema::{SchemaId, SchemaNode, Shaped, shape, validate};
use crate::secrets::{Keyring, label, route_scope};

/// `Err` always holds at least one error-severity diagnostic.
pub(crate) type Checked<T> = Result<T, Vec<Diagnostic>>;

/// Everything the home configures.
#[derive(Debug, Clone)]
pub struct HomeConfig {
    /// Set when the home itself is unusable; every part below is then `Err` too.
    pub(crate) home_problem: Option<Diagnostic>,
    /// `netclaw.json` + `secrets.json` + `NETCLAW_*` over the defaults.
    pub(crate) config: Checked<EffectiveConfig>,
    pub(crate) tool_approvals: Checked<ToolApprovals>,
    pub(crate) hard_deny_overrides: Checked<HardDenyOverrides>,
    pub(crate) webhook_routes: WebhookRoutes,
}

/// The effective `netclaw.json` and where each value came from.
#[derive(Debug, Clone)]
pub(crate) struct EffectiveConfig {
    pub config: NetclawConfig,
    /// The same, as JSON in canonical spelling (what `config show` walks).
    pub value: Value,
    pub provenance: Provenance,
}

impl EffectiveConfig {
    /// Where the value at a canonical pointer came from, as a diagnostic location.
    pub(crate) fn locate(&self, pointer: &str) -> Location {
        locate(&self.provenance, pointer)
    }

    /// Whether the value at a canonical pointer must be masked when shown: a
    /// credential by type, or anything that came from `secrets.json`.
    pub(crate) fn is_secret(&self, pointer: &str) -> bool {
        let from_secrets = matches!(
            self.provenance.source_of(pointer),
            Some(Source::File { file, .. }) if file == SECRETS_JSON
        );
        let schema = SchemaId::Netclaw.compiled();
        from_secrets || schema.root().at(pointer).is_some_and(SchemaNode::is_write_only)
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct WebhookRoutes {
    /// Valid routes by name, sorted.
    pub routes: Vec<(String, WebhookRoute)>,
    /// Problems with the directory, file names and route files (errors and warnings).
    pub diagnostics: Vec<Diagnostic>,
}

impl HomeConfig {
    pub fn load(files: &HomeFiles, env: &[EnvVar]) -> Self {
        Self::load_and(files, env, |_| ()).0
    }

    /// Loads the home and, once its config has loaded, runs `meanwhile` on it while
    /// the approval store may still be loading: on a large home the store takes twice
    /// as long as the config, and a core would wait for it.
    pub(crate) fn load_and<T>(
        files: &HomeFiles,
        env: &[EnvVar],
        meanwhile: impl FnOnce(&Checked<EffectiveConfig>) -> T,
    ) -> (Self, T) {
        if let Some(problem) = &files.home_problem {
            let errors = vec![problem.clone()];
            let config = Err(errors.clone());
            let done = meanwhile(&config);
            let home = Self {
                home_problem: Some(problem.clone()),
                config,
                tool_approvals: Err(errors.clone()),
                hard_deny_overrides: Err(errors),
                webhook_routes: WebhookRoutes { routes: Vec::new(), diagnostics: vec![problem.clone()] },
            };
            return (home, done);
        }
        // The approval store (one large document) and the route files (many small
        // ones) are independent of the rest and of each other: each loads on a thread
        // of its own, so neither waits for the config and the cores share the work.
        std::thread::scope(|scope| {
            let approvals = scope.spawn(|| load_approvals(&files.tool_approvals));
            let routes = scope.spawn(|| load_routes(&files.webhooks, &files.keys));
            let config = load_effective(&files.netclaw, &files.secrets, env).map(|mut config| {
                config.config.slack.unseal(&files.keys);
                config
            });
            let hard_deny_overrides = load_overrides(&files.hard_deny_overrides);
            let done = meanwhile(&config);
            let tool_approvals = approvals.join().unwrap_or_else(|_| {
                Err(vec![Diagnostic::unreadable(TOOL_APPROVALS_JSON, "loading the approval store failed")])
            });
            let webhook_routes = routes.join().unwrap_or_else(|_| WebhookRoutes {
                routes: Vec::new(),
                diagnostics: vec![Diagnostic::unreadable(WEBHOOKS_DIR, "loading the routes failed")],
            });
            (Self { home_problem: None, config, tool_approvals, hard_deny_overrides, webhook_routes }, done)
        })
    }
}

/// A file parsed and shaped against its schema, with every diagnostic so far.
struct Prepared {
    document: JsonDocument,
    shaped: Shaped,
    diagnostics: Vec<Diagnostic>,
}

fn prepare(text: &str, file: &str, schema: SchemaId, mask_values: bool) -> Result<Prepared, Vec<Diagnostic>> {
    let mut document = JsonDocument::parse(file, text.to_owned()).map_err(|d| vec![d])?;
    let compiled = schema.compiled();
    // The shaped value takes the parsed one's place: the document is kept to locate
    // pointers, which it does from its text.
    let value = std::mem::take(&mut document.value);
    let shaped = shape(&document, value, compiled.root(), mask_values);
    let mut diagnostics = document.duplicate_keys().to_vec();
    diagnostics.extend(shaped.diagnostics.iter().cloned());
    diagnostics.extend(validate(compiled, &shaped, |p| document.locate(&shaped.original_pointer(p))));
    sort_by_position(&mut diagnostics);
    Ok(Prepared { document, shaped, diagnostics })
}

impl Prepared {
    fn into_typed<T: DeserializeOwned>(self) -> Checked<(T, Self)> {
        if self.diagnostics.iter().any(Diagnostic::is_error) {
            return Err(self.diagnostics);
        }
        match T::deserialize(&self.shaped.value) {
            Ok(typed) => Ok((typed, self)),
            Err(err) => Err(vec![drift(&self.document.file, &err)]),
        }
    }

    /// The source of a canonical pointer of this file.
    fn source(&self, canonical: &str) -> Source {
        let location = self.document.locate(&self.shaped.original_pointer(canonical));
        Source::File { file: location.file, pointer: location.pointer, line: location.line, column: location.column }
    }
}

/// Top to bottom, as a reader goes through the file.
fn sort_by_position(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| (d.location.line.unwrap_or(0), d.location.column.unwrap_or(0));
        key(a).cmp(&key(b)).then_with(|| a.location.pointer.cmp(&b.location.pointer))
    });
}

/// A file that validated but does not deserialise means the schema and types drifted.
fn drift(file: &str, err: &serde_json::Error) -> Diagnostic {
    // serde's message can quote a value; keep only its category.
    let message = format!("{:?} error at line {}", err.classify(), err.line());
    Diagnostic::error(Location::file(file), Problem::SchemaDrift { message })
}

/// `Ok(None)` for a missing file.
fn load_optional<T: DeserializeOwned>(read: &FileRead, file: &str, schema: SchemaId) -> Checked<Option<T>> {
    match read {
        FileRead::Missing => Ok(None),
        FileRead::Failed(diagnostic) => Err(vec![diagnostic.clone()]),
        FileRead::Text(text) => {
            let prepared = prepare(text, file, schema, false)?;
            prepared.into_typed().map(|(typed, _)| Some(typed))
        }
    }
}

fn load_effective(netclaw: &FileRead, secrets: &FileRead, env: &[EnvVar]) -> Checked<EffectiveConfig> {
    let defaults = serde_json::to_value(NetclawConfig::default()).unwrap_or(Value::Null);
    let mut layered = Layered::new(defaults);
    let mut diagnostics = Vec::new();
    for (read, file, schema, masked) in
        [(netclaw, NETCLAW_JSON, SchemaId::Netclaw, false), (secrets, SECRETS_JSON, SchemaId::Secrets, true)]
    {
        match read {
            FileRead::Missing => {}
            FileRead::Failed(diagnostic) => diagnostics.push(diagnostic.clone()),
            FileRead::Text(text) => match prepare(text, file, schema, masked) {
                Ok(prepared) => {
                    layered.overlay(&prepared.shaped.value, &|p| prepared.source(p));
                    let mut found = prepared.diagnostics.clone();
                    if masked {
                        found.extend(settings_among_secrets(&prepared));
                        sort_by_position(&mut found);
                    }
                    diagnostics.extend(found);
                }
                Err(found) => diagnostics.extend(found),
            },
        }
    }
    let (settings, env_diagnostics) = env_settings(env, SchemaId::Netclaw.compiled().root());
    diagnostics.extend(env_diagnostics);
    for setting in &settings {
        let source = Source::Env { var: setting.var.clone() };
        layered.overlay(&nest(&setting.pointer, setting.value.clone()), &|_| source.clone());
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    // Each file passed on its own; what is left to catch is an env value out of range.
    let effective = Shaped { value: layered.value.clone(), ..Shaped::default() };
    let located = |pointer: &str| locate(&layered.provenance, pointer);
    let late = validate(SchemaId::Netclaw.compiled(), &effective, located);
    if !late.is_empty() {
        return Err(late);
    }
    let config: NetclawConfig =
        NetclawConfig::deserialize(&layered.value).map_err(|e| vec![drift(NETCLAW_JSON, &e)])?;
    let unusable: Vec<Diagnostic> = unmatchable_patterns(&config, &located)
        .into_iter()
        .chain(relative_roots(&config, &located))
        .chain(unusable_names(&config, &located))
        .collect();
    if !unusable.is_empty() {
        return Err(unusable);
    }
    Ok(EffectiveConfig { config, value: layered.value, provenance: layered.provenance })
}

/// A pattern that can match no command (empty, quoted, a glob, a path for the command):
/// the command it was written to stop would silently keep running, so it is refused.
fn unmatchable_patterns(config: &NetclawConfig, located: &impl Fn(&str) -> Location) -> Vec<Diagnostic> {
    let patterns = config.tools.hard_deny_patterns.iter().enumerate();
    patterns
        .filter_map(|(index, pattern)| {
            let mut words = pattern.split_whitespace();
            let flaw = match words.next() {
                None => Some(("".to_owned(), "an empty pattern matches no command")),
                Some(first) => std::iter::once((first, true))
                    .chain(words.map(|w| (w, false)))
                    .find_map(|(word, is_command)| Some((word.to_owned(), word_flaw(word, is_command)?))),
            };
            let (word, why) = flaw?;
            let location = item(located("/Tools/HardDenyPatterns"), index);
            let message = format!("`{word}` can never match, so the pattern never denies: {why}");
            Some(Diagnostic::error(location, Problem::HardDenyRuleShape { message }))
        })
        .collect()
}

/// A file-scope root must name a directory: relative to what, a reviewer cannot know.
fn relative_roots(config: &NetclawConfig, located: &impl Fn(&str) -> Location) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for audience in Audience::ALL {
        let profile = config.tools.audience_profiles.get(audience);
        for (key, scope) in [("ReadFiles", &profile.read_files), ("WriteFiles", &profile.write_files)] {
            for (index, root) in scope.roots.iter().enumerate() {
                if root.starts_with('/') || root == "~" || root.starts_with("~/") {
                    continue;
                }
                let pointer = format!("/Tools/AudienceProfiles/{}/{key}/Roots", audience.as_str());
                out.push(Diagnostic::error(
                    item(located(&pointer), index),
                    Problem::RelativeRoot { root: root.clone() },
                ));
            }
        }
    }
    out
}

/// Names of tools, servers and channels that no request can match: the setting they
/// carry would silently apply to nothing (`"notion "`), or to another thing than meant
/// (`a__b__c` is `a/b__c` to the matcher, `a__b/c` to the writer).
fn unusable_names(config: &NetclawConfig, located: &impl Fn(&str) -> Location) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut check = |location: Location, name: &str, flaw: Option<&'static str>| {
        if let Some(why) = name_flaw(name).or(flaw) {
            out.push(Diagnostic::error(location, Problem::UnusableName { name: name.to_owned(), why }));
        }
    };
    for audience in Audience::ALL {
        let profile = config.tools.audience_profiles.get(audience);
        let base = format!("/Tools/AudienceProfiles/{}", audience.as_str());
        for (key, list) in
            [("AllowedTools", &profile.allowed_tools), ("AllowedMcpServers", &profile.allowed_mcp_servers)]
        {
            for (index, name) in list.iter().enumerate() {
                check(item(located(&format!("{base}/{key}")), index), name, None);
            }
        }
        for key in profile.approval_policy.tool_overrides.keys() {
            let ambiguous = !key.contains('/') && key.matches("__").count() > 1;
            let flaw =
                ambiguous.then_some("with more than one `__` it names more than one tool; write it `server/tool`");
            check(located(&json_pointer::join(&format!("{base}/ApprovalPolicy/ToolOverrides"), key)), key, flaw);
        }
        for server in profile.approval_policy.mcp_server_defaults.keys() {
            let pointer = json_pointer::join(&format!("{base}/ApprovalPolicy/McpServerDefaults"), server);
            check(located(&pointer), server, server.contains('/').then_some("a server name has no `/`"));
        }
        for (server, tools) in &profile.mcp_server_tool_grants {
            let pointer = json_pointer::join(&format!("{base}/McpServerToolGrants"), server);
            check(located(&pointer), server, server.contains('/').then_some("a server name has no `/`"));
            for (index, tool) in tools.iter().enumerate() {
                let other = tool.split_once('/').is_some_and(|(s, _)| !s.eq_ignore_ascii_case(server));
                check(item(located(&pointer), index), tool, other.then_some("it names a tool of another server"));
            }
        }
    }
    for channel in config.slack.channel_audiences.keys() {
        check(located(&json_pointer::join("/Slack/ChannelAudiences", channel)), channel, None);
    }
    out
}

fn name_flaw(name: &str) -> Option<&'static str> {
    (!is_plain_name(name))
        .then_some("names are ASCII without spaces or control characters, so no request can carry this one")
}

/// The location of element `index` of the array at `location`.
fn item(mut location: Location, index: usize) -> Location {
    location.pointer = format!("{}/{index}", location.pointer);
    location
}

/// Each shell grant is checked against the command text a human approved: `verbTokens`
/// that are not that command's words would approve something nobody read.
fn load_approvals(read: &FileRead) -> Checked<ToolApprovals> {
    let FileRead::Text(text) = read else {
        return load_optional(read, TOOL_APPROVALS_JSON, SchemaId::ToolApprovals).map(Option::unwrap_or_default);
    };
    let (approvals, prepared) =
        prepare(text, TOOL_APPROVALS_JSON, SchemaId::ToolApprovals, false)?.into_typed::<ToolApprovals>()?;
    let mut diagnostics = Vec::new();
    for audience in Audience::ALL {
        for (tool, entries) in approvals.audiences.get(audience) {
            for (index, entry) in entries.iter().enumerate() {
                let index = index.to_string();
                let at = |field: &str| {
                    let pointer =
                        json_pointer::from_tokens(["audiences", audience.key(), tool.as_str(), index.as_str(), field]);
                    prepared.document.locate(&prepared.shaped.original_pointer(&pointer))
                };
                // A relative directory covers nothing now and reads as a grant; a later
                // edit to `null` would then widen it unseen.
                let directory = match entry {
                    ApprovalEntry::Shell(shell) => &shell.directory,
                    ApprovalEntry::Tool(tool) => &tool.directory,
                };
                if let Some(relative) = directory.as_ref().filter(|d| !d.starts_with('/')) {
                    diagnostics
                        .push(Diagnostic::error(at("directory"), Problem::RelativeRoot { root: relative.clone() }));
                }
                if let ApprovalEntry::Shell(shell) = entry
                    && !shell.covers_its_own_text()
                {
                    let problem = Problem::ApprovalNotWhatWasRead { shell: shell.shell.clone() };
                    diagnostics.push(Diagnostic::error(at("verbTokens"), problem));
                }
            }
        }
    }
    if diagnostics.is_empty() { Ok(approvals) } else { Err(diagnostics) }
}

/// The location of the value at a canonical pointer: its file, pointer and line, or
/// the variable that set it.
fn locate(provenance: &Provenance, pointer: &str) -> Location {
    match provenance.source_of(pointer) {
        Some(Source::Env { var }) => Location::at(format!("env:{var}"), pointer),
        Some(Source::File { file, pointer: in_file, line, column }) => {
            Location { file: file.clone(), pointer: in_file.clone(), line: *line, column: *column }
        }
        _ => Location::at("defaults", pointer),
    }
}

/// `secrets.json` holds credentials only. Anything else there would be in force yet
/// shown masked by `config show`, so a reviewer could not see, say, the shell turned on.
fn settings_among_secrets(prepared: &Prepared) -> Vec<Diagnostic> {
    let schema = SchemaId::Netclaw.compiled();
    let empty_object = |pointer: &str| {
        prepared.shaped.value.pointer(pointer).is_some_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
    };
    provenance::leaves(&prepared.shaped.value)
        .into_iter()
        .filter(|pointer| !empty_object(pointer))
        .filter(|pointer| !schema.root().at(pointer).is_some_and(SchemaNode::is_write_only))
        .map(|pointer| {
            let location = prepared.document.locate(&prepared.shaped.original_pointer(&pointer));
            Diagnostic::error(location, Problem::SettingInSecrets { key: json_pointer::dotted(&pointer) })
        })
        .collect()
}

/// Schema errors and rule-shape problems together: a rule that is well-typed is
/// shape-checked even when another rule in the file is not.
fn load_overrides(read: &FileRead) -> Checked<HardDenyOverrides> {
    let FileRead::Text(text) = read else {
        return load_optional(read, HARD_DENY_OVERRIDES_JSON, SchemaId::HardDenyOverrides)
            .map(Option::unwrap_or_default);
    };
    let prepared = prepare(text, HARD_DENY_OVERRIDES_JSON, SchemaId::HardDenyOverrides, false)?;
    let elements = prepared.shaped.value.as_array().cloned().unwrap_or_default();
    let mut diagnostics = prepared.diagnostics.clone();
    for (index, element) in elements.iter().enumerate() {
        let Ok(rule) = serde_json::from_value::<HardDenyRule>(element.clone()) else { continue };
        let rule_pointer = json_pointer::join("", &index.to_string());
        for (key, problem) in rule_shape_problems(&rule) {
            let pointer = key.map_or(rule_pointer.clone(), |k| format!("{rule_pointer}/{k}"));
            let location = prepared.document.locate(&prepared.shaped.original_pointer(&pointer));
            diagnostics
                .push(Diagnostic::error(location, Problem::HardDenyRuleShape { message: shape_message(&problem) }));
        }
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        sort_by_position(&mut diagnostics);
        return Err(diagnostics);
    }
    prepared.into_typed().map(|(rules, _)| rules)
}

fn shape_message(problem: &RuleShapeProblem) -> String {
    match problem {
        RuleShapeProblem::MatcherCount { present } if present.is_empty() => {
            "a rule needs one of `verb`, `verbPrefix`, `rawText`".to_owned()
        }
        RuleShapeProblem::MatcherCount { present } => format!(
            "a rule takes exactly one of `verb`, `verbPrefix`, `rawText`, not {}",
            present.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" and ")
        ),
        RuleShapeProblem::RefinementWithoutVerb { key } => format!("`{key}` only refines a `verb` rule"),
        RuleShapeProblem::NeverMatches { word, why } => {
            format!("`{word}` can never match, so the rule never denies: {why}")
        }
    }
}

fn load_routes(dir: &WebhookDir, keys: &Keyring) -> WebhookRoutes {
    let entries = match dir {
        WebhookDir::Entries(entries) => entries,
        WebhookDir::Failed(diagnostic) => {
            return WebhookRoutes { routes: Vec::new(), diagnostics: vec![diagnostic.clone()] };
        }
        WebhookDir::Missing => return WebhookRoutes::default(),
    };
    let mut out = WebhookRoutes::default();
    for entry in entries {
        let file = format!("{WEBHOOKS_DIR}/{}", entry.name);
        let Some(stem) = entry.name.strip_suffix(".json") else {
            out.diagnostics
                .push(Diagnostic::warning(Location::file(&file), Problem::IgnoredFile { name: entry.name.clone() }));
            continue;
        };
        if !is_valid_route_name(stem) {
            out.diagnostics.push(Diagnostic::error(
                Location::file(&file),
                Problem::InvalidRouteName { name: stem.to_owned(), pattern: ROUTE_NAME_PATTERN },
            ));
        }
        match load_optional::<WebhookRoute>(&entry.read, &file, SchemaId::WebhookRoute) {
            Ok(Some(mut route)) if is_valid_route_name(stem) => {
                route.verification.secret.unseal(keys, &label(&route_scope(stem), "/Verification/Secret"));
                out.routes.push((stem.to_owned(), route));
            }
            Ok(_) => {}
            Err(found) => out.diagnostics.extend(found),
        }
    }
    out
}
