//! Runs `shell_corpus.txt`: every case, every mismatch reported at once.

use std::path::Path;

use netclaw_engine::config::{HardDenyRule, NetclawConfig};
use netclaw_engine::hard_deny::{HardDenyRules, ShellEnv, check_shell};
use netclaw_engine::paths::ProtectedPaths;

struct Case {
    line: usize,
    verdict: String,
    command: String,
    why: String,
}

fn cases() -> Vec<Case> {
    let text = include_str!("../shell_corpus.txt");
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(index, line)| {
            let mut fields = line.splitn(3, '\t');
            let (verdict, command, why) = (fields.next(), fields.next(), fields.next());
            match (verdict, command, why) {
                (Some(v), Some(c), Some(w)) => {
                    Case { line: index + 1, verdict: v.to_owned(), command: c.replace("\\n", "\n"), why: w.to_owned() }
                }
                _ => panic!("shell_corpus.txt:{}: expected VERDICT<TAB>COMMAND<TAB>WHY", index + 1),
            }
        })
        .collect()
}

fn rules() -> HardDenyRules {
    let mut config = NetclawConfig::default();
    config.tools.hard_deny_patterns =
        ["docker rm", "kubectl delete namespace", "terraform destroy"].map(str::to_owned).to_vec();
    let overrides: Vec<HardDenyRule> = serde_json::from_str(
        r#"[{"verb": ["git", "push"], "argFlags": ["--force", "-f"], "reason": "force-push rewrites history"}]"#,
    )
    .unwrap();
    HardDenyRules::new(&config.tools.hard_deny_patterns, &overrides)
}

#[test]
fn every_corpus_case_gets_its_verdict() {
    let rules = rules();
    let paths = ProtectedPaths::new(Path::new("/home/agent/.netclaw"), Some(Path::new("/home/agent")));
    let env = ShellEnv { paths: &paths, working_directory: Some(Path::new("/home/agent/project")) };
    let cases = cases();
    assert!(cases.len() >= 250, "the corpus should stay broad: {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let verdict = check_shell(&case.command, &rules, &env);
        let got = verdict.denial().map_or("allow".to_owned(), |m| m.reason_code.to_string());
        if got != case.verdict {
            let detail = verdict.denial().map(|m| format!(" ({}: {})", m.rule, m.message)).unwrap_or_default();
            failures.push(format!(
                "line {}: `{}` expected {}, got {got}{detail} — {}",
                case.line, case.command, case.verdict, case.why
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
