//! The compiled artifacts are plain Cedar: the official `cedar` CLI (crate
//! `cedar-policy-cli`, run in-process through its own argument parser) validates them
//! against the schema, and — given the same request and entities — decides every
//! question exactly as netclaw's sliced evaluation does.

use std::path::{Path, PathBuf};

use cedar_policy_cli::{CedarExitCode, Cli, Commands, authorize, validate};
use clap::Parser;

use crate::common::full_request_json;
use netclaw_engine::{
    Action, Audience, CEDAR_SCHEMA, CompiledPolicy, Home, HomeConfig, HomeFiles, Layer, ProtectedPaths, Question,
};

fn compile(example: &str) -> CompiledPolicy {
    let home = Home::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples").join(example));
    let loaded = HomeConfig::load(&HomeFiles::read(&home), &[]);
    CompiledPolicy::compile(&loaded, ProtectedPaths::new(home.root(), Some(Path::new("/home/agent")))).unwrap()
}

fn cedar(args: &[&str]) -> CedarExitCode {
    let cli = Cli::try_parse_from(std::iter::once("cedar").chain(args.iter().copied())).unwrap();
    match cli.command {
        Commands::Validate(args) => validate(&args),
        Commands::Authorize(args) => authorize(&args),
        other => panic!("unexpected command {other:?}"),
    }
}

/// Writes the artifacts `netclaw policy compile --out` writes.
fn write_artifacts(policy: &CompiledPolicy, dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let paths = (dir.join("netclaw.cedar"), dir.join("netclaw.cedarschema"), dir.join("entities.json"));
    std::fs::write(&paths.0, policy.formatted_text().unwrap()).unwrap();
    std::fs::write(&paths.1, CEDAR_SCHEMA).unwrap();
    std::fs::write(&paths.2, serde_json::to_string_pretty(&policy.entities_json()).unwrap()).unwrap();
    paths
}

const TOOLS: &[&str] = &[
    "file_read",
    "file_write",
    "web_fetch",
    "shell_execute",
    "skill_manage",
    "made_up_tool",
    "notion/notion-search",
    "notion/notion-delete-page",
    "notion/notion-fetch",
    "github/create_issue",
];

#[test]
fn cedar_validates_and_decides_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for example in ["personal", "team", "public"] {
        let policy = compile(example);
        let (policies, schema, entities) = write_artifacts(&policy, dir.path());
        let (p, s, e) = (policies.to_str().unwrap(), schema.to_str().unwrap(), entities.to_str().unwrap());
        assert!(
            matches!(cedar(&["validate", "--schema", s, "--policies", p]), CedarExitCode::Success),
            "{example}: cedar validate failed"
        );
        for audience in [Some(Audience::Public), Some(Audience::Team), Some(Audience::Personal), None] {
            for action in Action::TOOL_ACTIONS {
                for tool in TOOLS {
                    for (interactive, approved_always, hard_deny) in [
                        (true, false, None),
                        (false, false, None),
                        (true, true, None),
                        (true, false, Some(Layer::OperationHardDeny)),
                    ] {
                        let question = Question { audience, action, tool, interactive, approved_always, hard_deny };
                        let ours = policy.answer(&question).unwrap();
                        let request = full_request_json(&question);
                        let request_file = dir.path().join("request.json");
                        std::fs::write(&request_file, request.to_string()).unwrap();
                        let args = [
                            "authorize",
                            "--policies",
                            p,
                            "--schema",
                            s,
                            "--entities",
                            e,
                            "--request-json",
                            request_file.to_str().unwrap(),
                        ];
                        let theirs = match cedar(&args) {
                            CedarExitCode::Success => true,
                            CedarExitCode::AuthorizeDeny => false,
                            other => panic!("cedar authorize failed ({other:?}) on {request}"),
                        };
                        assert_eq!(ours, theirs, "{example}: {question:?} netclaw={ours} cedar={theirs}\n{request}");
                        compared += 1;
                    }
                }
            }
        }
    }
    assert_eq!(compared, 3 * 4 * 3 * TOOLS.len() * 4);
}
