//! Config mutation testing, in the spirit of cargo-mutants but over config files: for
//! each example home, hundreds of generated mutants of its files and `NETCLAW_*`
//! variables. Each mutant is either refused (every call denied) or valid; for a valid
//! one, if any request of a fixed probe set gets a more permissive decision than under
//! the original, `policy diff` must say the change widens access. The authorizer and
//! the diff can then never disagree about a widening.

use std::path::Path;

use netclaw_engine::{
    AuthorizeRequest, CompiledPolicy, Effect, EnvVar, HomeConfig, HomeFiles, ProtectedPaths, diff_policies,
};
use serde_json::{Value, json};

/// Mutants per example home.
const MUTANTS: usize = 500;

/// A deterministic generator (xorshift), so a failure names a mutant that stays put.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n.max(1) as u64).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What a home is made of: its files as JSON, and the variables around it.
#[derive(Debug, Clone)]
struct Home {
    netclaw: Value,
    secrets: Option<Value>,
    approvals: Option<Value>,
    overrides: Option<Value>,
    /// Route name → file.
    routes: Vec<(String, Value)>,
    env: Vec<EnvVar>,
}

fn example(name: &str) -> Home {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples").join(name).join("config");
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).ok().and_then(|t| serde_json::from_str(&t).ok());
    let routes = std::fs::read_dir(dir.join("webhooks")).into_iter().flatten().flatten().filter_map(|entry| {
        let name = entry.file_name().to_string_lossy().strip_suffix(".json")?.to_owned();
        let file = format!("webhooks/{name}.json");
        Some((name, read(&file)?))
    });
    Home {
        netclaw: read("netclaw.json").unwrap_or_else(|| json!({})),
        secrets: read("secrets.json"),
        approvals: read("tool-approvals.json"),
        overrides: read("hard-deny-overrides.json"),
        routes: routes.collect(),
        env: Vec::new(),
    }
}

fn compile(home: &Home) -> Option<CompiledPolicy> {
    let mut files = HomeFiles::empty().with_file("config/netclaw.json", home.netclaw.to_string());
    if let Some(approvals) = &home.approvals {
        files = files.with_file("config/tool-approvals.json", approvals.to_string());
    }
    if let Some(overrides) = &home.overrides {
        files = files.with_file("config/hard-deny-overrides.json", overrides.to_string());
    }
    if let Some(secrets) = &home.secrets {
        files = files.with_file("config/secrets.json", secrets.to_string());
    }
    for (name, route) in &home.routes {
        files = files.with_file(&format!("config/webhooks/{name}.json"), route.to_string());
    }
    let paths = ProtectedPaths::new(Path::new("/home/agent/.netclaw"), Some(Path::new("/home/agent")));
    CompiledPolicy::compile(&HomeConfig::load(&files, &home.env), paths).ok()
}

// --- mutation operators ------------------------------------------------------------

const VALUES: &[&str] = &[
    "Public",
    "Team",
    "Personal",
    "public",
    "team",
    "personal",
    "Auto",
    "Approval",
    "Deny",
    "Allowlist",
    "All",
    "None",
    "Roots",
    "Off",
    "SandboxOnly",
    "HostAllowed",
    "",
];
const NAMES: &[&str] = &[
    "shell_execute",
    "file_write",
    "file_read",
    "web_fetch",
    "reminder_create",
    "notion",
    "github",
    "notion/notion-search",
    "notion/notion-delete-page",
    "github/delete_repo",
    "Notion",
    "NOTION/Notion-Search",
    "github__delete_repo",
    "C0123ABCDEF",
    "C0456GHIJKL",
    "c0123abcdef",
    "dm",
    "U0123ABCDEF",
    "U9",
    "docker rm",
    "git push",
    "/srv/a",
    "~/project",
];
const KEYS: &[&str] = &[
    "/Security/DeploymentPosture",
    "/Security/ShellExecutionMode",
    "/Security/SandboxBackend",
    "/Tools/ShellMode",
    "/Tools/HardDenyPatterns",
    "/Slack/Enabled",
    "/Slack/MentionOnly",
    "/Slack/AllowDirectMessages",
    "/Slack/AllowedChannelIds",
    "/Slack/AllowedUserIds",
    "/Slack/ChannelAudiences",
    "/Slack/DefaultChannelId",
];
const PROFILE_KEYS: &[&str] = &[
    "ToolsMode",
    "AllowedTools",
    "McpServersMode",
    "AllowedMcpServers",
    "McpServerToolGrants",
    "ReadFiles",
    "WriteFiles",
    "ApprovalPolicy/DefaultMode",
    "ApprovalPolicy/ToolOverrides",
    "ApprovalPolicy/McpServerDefaults",
];

fn random_value(rng: &mut Rng) -> Value {
    match rng.below(8) {
        0 => json!(rng.below(2) == 0),
        1 => json!([]),
        2 => json!([rng.pick(NAMES), rng.pick(NAMES)]),
        3 => json!({ *rng.pick(NAMES): *rng.pick(VALUES) }),
        4 => json!({ *rng.pick(NAMES): [rng.pick(NAMES)] }),
        5 => json!({"Mode": rng.pick(&["None", "Roots", "All"]), "Roots": [rng.pick(NAMES)]}),
        6 => Value::Null,
        _ => json!(rng.pick(VALUES)),
    }
}

/// A value of the kind the key takes, so most mutants are valid and some widen.
fn fitting_value(pointer: &str, rng: &mut Rng) -> Value {
    let key = pointer.rsplit('/').next().unwrap_or_default();
    let modes = ["Auto", "Approval", "Deny"];
    match key {
        "DeploymentPosture" => json!(rng.pick(&["Public", "Team", "Personal"])),
        "ShellExecutionMode" | "ShellMode" => json!(rng.pick(&["Off", "SandboxOnly", "HostAllowed"])),
        "SandboxBackend" => json!("docker"),
        "HardDenyPatterns" => json!(rng.pick(&[vec![], vec!["git push"], vec!["docker rm"]])),
        "Enabled" | "MentionOnly" | "AllowDirectMessages" => json!(rng.below(2) == 0),
        "AllowedChannelIds" => json!(rng.pick(&[vec![], vec!["C0123ABCDEF"], vec!["C0123ABCDEF", "C9"]])),
        "AllowedUserIds" => json!(rng.pick(&[vec![], vec!["U0123ABCDEF"], vec!["U9"]])),
        "ChannelAudiences" => {
            json!({ *rng.pick(&["C0123ABCDEF", "C9", "dm"]): rng.pick(&["public", "team", "personal"]) })
        }
        "DefaultChannelId" => json!("C9"),
        "ToolsMode" | "McpServersMode" => json!(rng.pick(&["Allowlist", "All"])),
        "AllowedTools" => json!(rng.pick(&[vec![], vec!["file_read"], vec!["file_read", "web_fetch", "made_up_tool"]])),
        "AllowedMcpServers" => json!(rng.pick(&[vec![], vec!["notion"], vec!["notion", "github", "other"]])),
        "McpServerToolGrants" => {
            json!(rng.pick(&[json!({}), json!({"notion": ["notion-search"]}), json!({"github": []})]))
        }
        "ReadFiles" | "WriteFiles" => {
            json!({"Mode": rng.pick(&["None", "Roots", "All"]), "Roots": [rng.pick(&["/srv/a", "/etc"])]})
        }
        "DefaultMode" => json!(rng.pick(&modes)),
        "ToolOverrides" => {
            json!({ *rng.pick(&["shell_execute", "web_fetch", "notion/notion-delete-page", "github/delete_repo"]): rng.pick(&modes) })
        }
        "McpServerDefaults" => json!({ *rng.pick(&["notion", "github", "other"]): rng.pick(&modes) }),
        _ => random_value(rng),
    }
}

fn random_pointer(rng: &mut Rng) -> String {
    if rng.below(2) == 0 {
        return (*rng.pick(KEYS)).to_owned();
    }
    let audience = rng.pick(&["Public", "Team", "Personal", "team"]);
    format!("/Tools/AudienceProfiles/{audience}/{}", rng.pick(PROFILE_KEYS))
}

/// Sets (or removes, for `null` one time in two) the value at `pointer`.
fn set(document: &mut Value, pointer: &str, value: Value, remove: bool) {
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    let mut node = document;
    for token in parent.split('/').skip(1) {
        if !node.is_object() {
            *node = json!({});
        }
        node = node.as_object_mut().unwrap().entry(token.to_owned()).or_insert_with(|| json!({}));
    }
    if !node.is_object() {
        *node = json!({});
    }
    let object = node.as_object_mut().unwrap();
    if remove {
        object.remove(key);
    } else {
        object.insert(key.to_owned(), value);
    }
}

fn mutate(home: &Home, rng: &mut Rng) -> Home {
    let mut mutant = home.clone();
    for _ in 0..=rng.below(2) {
        match rng.below(10) {
            0..=5 => {
                let pointer = random_pointer(rng);
                let remove = rng.below(5) == 0;
                // One in four is any value at all: the loader must refuse what does not fit.
                let value = if rng.below(4) == 0 { random_value(rng) } else { fitting_value(&pointer, rng) };
                set(&mut mutant.netclaw, &pointer, value, remove);
            }
            6 => {
                let tokens = rng.pick(&[vec!["git", "push"], vec!["rm"], vec!["docker", "rm"], vec!["ls"]]).clone();
                let entry = json!({"shell": tokens.join(" "), "match": rng.pick(&["tokenPrefix", "exact"]),
                    "verbTokens": tokens, "directory": null, "createdAt": "2026-11-20T09:14:03Z"});
                let audience = rng.pick(&["personal", "team", "public"]);
                let mut approvals = mutant.approvals.take().unwrap_or_else(|| json!({"version": 3, "audiences": {}}));
                set(&mut approvals, &format!("/audiences/{audience}/shell_execute"), json!([entry]), false);
                mutant.approvals = Some(approvals);
            }
            7 => mutant.overrides = Some(json!([])),
            8 if rng.below(2) == 0 => mutant.approvals = None,
            8 => {
                // secrets.json takes credentials only: a setting there must be refused.
                let pointer = random_pointer(rng);
                let value = fitting_value(&pointer, rng);
                let mut secrets = mutant.secrets.take().unwrap_or_else(|| json!({}));
                set(&mut secrets, &pointer, value, false);
                mutant.secrets = Some(secrets);
                let route = json!({"prompt": "p", "audience": rng.pick(&["Public", "Team", "Personal", "admins"]),
                    "enabled": rng.below(2) == 0, "verification": {"kind": "HeaderSecret", "secret": "s"}});
                mutant.routes.push(((*rng.pick(&["ci", "deploy", "Bad Name"])).to_owned(), route));
            }
            _ => {
                let var = format!("NETCLAW_{}", random_pointer(rng).trim_start_matches('/').replace('/', "__"));
                let value = match random_value(rng) {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                mutant.env.push((var, Some(value)));
            }
        }
    }
    mutant
}

// --- probes ------------------------------------------------------------------------

fn probes() -> Vec<AuthorizeRequest> {
    let mut out = Vec::new();
    let tools = [
        "file_read",
        "file_write",
        "web_fetch",
        "web_search",
        "reminder_create",
        "tool_output_read",
        "made_up_tool",
        "notion/notion-search",
        "notion/notion-delete-page",
        "notion/other",
        "github/delete_repo",
        "other/tool",
    ];
    let commands = ["ls", "git push origin main", "docker rm x", "terraform destroy", "rm -r build"];
    let paths = ["/srv/a/x", "/etc/passwd", "/home/agent/project/notes.md"];
    for channel in ["tui", "discord", "webhook"] {
        for interactive in [true, false] {
            let mut push = |tool: &str, arguments: Value| {
                out.push(json!({"channel": channel, "interactive": interactive, "tool": tool, "arguments": arguments,
                    "workingDirectory": "/home/agent/project", "sessionDirectory": "/srv/sessions/s1"}));
            };
            for tool in tools {
                push(tool, json!({}));
            }
            for command in commands {
                push("shell_execute", json!({"command": command}));
            }
            for path in paths {
                push("file_write", json!({"path": path}));
                push("file_read", json!({"path": path}));
            }
        }
    }
    for channel in ["C0123ABCDEF", "C0456GHIJKL", "C9"] {
        for user in ["U0123ABCDEF", "U9"] {
            for (is_dm, mentioned) in [(false, true), (false, false), (true, false)] {
                out.push(json!({"channel": "slack", "interactive": true, "tool": "web_fetch",
                    "slack": {"channelId": channel, "userId": user, "isDm": is_dm, "mentioned": mentioned}}));
            }
        }
    }
    out.into_iter().map(|v| serde_json::from_value(v).unwrap()).collect()
}

fn rank(effect: Effect) -> u8 {
    match effect {
        Effect::Deny => 0,
        Effect::ApprovalRequired => 1,
        Effect::Allow => 2,
    }
}

#[test]
fn every_mutant_is_refused_or_its_widenings_are_in_the_diff() {
    let probes = probes();
    let mut seed = 0x5eed_2026_1202_u64;
    let (mut refused, mut widening, mut total) = (0, 0, 0);
    for name in ["personal", "team", "public"] {
        let base = example(name);
        let Some(original) = compile(&base) else { panic!("{name} does not compile") };
        let before: Vec<Effect> = probes.iter().map(|p| original.authorize(p).decision).collect();
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut rng = Rng(seed);
        for index in 0..MUTANTS {
            total += 1;
            let mutant = mutate(&base, &mut rng);
            let Some(compiled) = compile(&mutant) else {
                refused += 1;
                continue;
            };
            let widened: Vec<String> = probes
                .iter()
                .zip(&before)
                .filter_map(|(probe, old)| {
                    let new = compiled.authorize(probe).decision;
                    (rank(new) > rank(*old))
                        .then(|| format!("{} {} {:?}: {old:?} → {new:?}", probe.channel, probe.tool, probe.arguments))
                })
                .collect();
            if widened.is_empty() {
                continue;
            }
            widening += 1;
            let diff = diff_policies(&original, &compiled);
            assert!(
                diff.widens,
                "{name} mutant {index} widens {widened:#?} but policy diff says it does not\nmutant: {mutant:#?}\ndiff: {:#?}",
                diff.changes
            );
        }
    }
    println!("{total} mutants: {refused} refused, {widening} valid and widening (each confirmed by policy diff)");
    assert!(
        refused > 0 && widening > 0,
        "the mutants must exercise both outcomes ({refused} refused, {widening} widening)"
    );
}
