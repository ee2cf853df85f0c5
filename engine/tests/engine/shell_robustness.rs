//! No input panics or hangs the shell analysis: arbitrary text, huge text, deep text.

use std::path::Path;
use std::time::{Duration, Instant};

use netclaw_engine::{HardDenyRules, ProtectedPaths, ReasonCode, ShellEnv, ShellVerdict, check_shell};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

use crate::common::corpus_rules;

fn check(command: &str) -> (ShellVerdict, Duration) {
    let paths = ProtectedPaths::new(Path::new("/home/agent/.netclaw"), Some(Path::new("/home/agent")));
    let env = ShellEnv { paths: &paths, working_directory: Some(Path::new("/home/agent/project")) };
    let start = Instant::now();
    let verdict = check_shell(command, &corpus_rules(), &env);
    (verdict, start.elapsed())
}

/// Generous: CI runs unoptimised builds on two loaded cores.
const BOUND: Duration = Duration::from_secs(10);

proptest! {
    // A fixed seed keeps CI deterministic; change it locally to explore further.
    #![proptest_config(ProptestConfig {
        cases: 512,
        rng_seed: RngSeed::Fixed(20_261_126),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_text_never_panics(command in any::<String>()) {
        let (_, elapsed) = check(&command);
        prop_assert!(elapsed < BOUND);
    }

    /// Shell punctuation makes the parser work hardest; any denial must say why.
    #[test]
    fn shell_flavoured_text_never_panics(command in "[a-z0-9 $|&;(){}'\"`\\\\<>~*?=\\[\\]\\n-]{0,300}") {
        let (verdict, elapsed) = check(&command);
        prop_assert!(elapsed < BOUND);
        for denial in &verdict.matches {
            prop_assert!(!denial.message.is_empty());
        }
    }

    /// Putting other words before a denied command never makes it allowed; when the
    /// whole text parses (`if ; sudo id` does not), the denial names the real reason.
    #[test]
    fn sudo_stays_denied_in_any_position(prefix in "[a-z]{1,8}( [a-z]{1,8}){0,3}", separator in prop::sample::select(vec![";", "&&", "||", "|", "&", "\n"])) {
        let (verdict, _) = check(&format!("{prefix} {separator} sudo id"));
        let reason = verdict.denial().map(|d| d.reason_code);
        prop_assert!(reason.is_some(), "allowed");
        if verdict.parsed.refusals.is_empty() {
            prop_assert_eq!(reason, Some(ReasonCode::HardDenyPrivilegeEscalation));
        }
    }
}

#[test]
fn a_100k_character_word_is_analysed() {
    let (verdict, elapsed) = check(&format!("echo {}", "a".repeat(100_000)));
    assert!(verdict.denial().is_none(), "{:?}", verdict.denial());
    assert!(elapsed < BOUND, "{elapsed:?}");
}

#[test]
fn a_100k_character_command_line_of_many_segments_is_analysed() {
    let (verdict, elapsed) = check(&"ls; ".repeat(25_000));
    assert_eq!(verdict.parsed.segments.len(), 25_000);
    assert!(verdict.denial().is_none());
    assert!(elapsed < BOUND, "{elapsed:?}");
    let (verdict, _) = check(&format!("{}sudo id", "ls; ".repeat(25_000)));
    assert_eq!(verdict.denial().and_then(|d| d.segment.as_ref()).map(|s| s.index), Some(25_001));
}

/// Deep nesting is refused with a clear message before it can exhaust the stack.
#[test]
fn ten_thousand_deep_nesting_is_refused_quickly() {
    for deep in [
        format!("{}ls{}", "(".repeat(10_000), ")".repeat(10_000)),
        format!("{}ls{}", "$(".repeat(10_000), ")".repeat(10_000)),
        format!("{}ls{}", "{ ".repeat(10_000), "; }".repeat(10_000)),
        format!("{}ls{}", "if true; then ".repeat(10_000), "; fi".repeat(10_000)),
        nested_bash_c(10),
    ] {
        let (verdict, elapsed) = check(&deep);
        let denial = verdict.denial().unwrap_or_else(|| panic!("not denied: {}", &deep[..40]));
        assert_eq!(denial.reason_code, ReasonCode::HardDenyUnresolvedCommand);
        assert!(denial.message.contains("nest"), "{}", denial.message);
        assert!(elapsed < BOUND, "{elapsed:?}");
    }
}

/// Variables whose values name themselves multiply expansion work at every level
/// (`x=$x$x` forty times took minutes): the work is bounded, and what is left
/// unexpanded is only known at run time.
#[test]
fn self_referencing_variables_are_expanded_in_bounded_time() {
    let doubling: String = std::iter::once("x=a;".to_owned()).chain((0..40).map(|_| " x=$x$x$x;".to_owned())).collect();
    let (verdict, elapsed) = check(&format!("{doubling} echo $x"));
    assert!(verdict.denial().is_none(), "echo of anything is harmless: {:?}", verdict.denial());
    assert!(elapsed < BOUND, "{elapsed:?}");
    let (verdict, elapsed) = check(&format!("{doubling} $x"));
    assert_eq!(verdict.denial().map(|d| d.reason_code), Some(ReasonCode::HardDenyUnresolvedCommand));
    assert!(elapsed < BOUND, "{elapsed:?}");
}

/// `bash -c '…'` inside `bash -c '…'`, each level quoted properly, so each is a real script.
fn nested_bash_c(levels: usize) -> String {
    (0..levels).fold("ls".to_owned(), |inner, _| format!("bash -c '{}'", inner.replace('\'', r"'\''")))
}

#[test]
fn nested_scripts_are_followed_to_the_bound() {
    let (verdict, _) = check(&nested_bash_c(7).replace("ls", "sudo id"));
    assert_eq!(verdict.denial().map(|d| d.reason_code), Some(ReasonCode::HardDenyPrivilegeEscalation));
}

#[test]
fn text_over_the_length_bound_is_refused_not_truncated() {
    let (verdict, _) = check(&format!("echo {} ; sudo id", "a".repeat(300_000)));
    let denial = verdict.denial().unwrap();
    assert!(denial.message.contains("longer than"), "{}", denial.message);
}

/// Every dangerous command of the corpus (`tests/shell_corpus/*.txt` but `benign.txt`).
fn dangerous_corpus() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/shell_corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .iter()
        .flat_map(|path| std::fs::read_to_string(path).unwrap().lines().map(str::to_owned).collect::<Vec<_>>())
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#') && !line.starts_with("allow\t"))
        .filter_map(|line| line.split('\t').nth(1).map(|c| c.replace("\\n", "\n")))
        .collect()
}

/// Quotes `text` as one single-quoted shell word.
fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

static DANGEROUS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(dangerous_corpus);

fn corpus_command() -> impl Strategy<Value = String> {
    (0..DANGEROUS.len()).prop_map(|i| DANGEROUS[i].clone())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 384,
        rng_seed: RngSeed::Fixed(20_261_202),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// A denied command stays denied run through a wrapper, a shell, or eval.
    #[test]
    fn a_denied_command_stays_denied_when_wrapped(
        command in corpus_command(),
        wrapper in prop::sample::select(vec!["env", "nice", "nohup", "timeout 5", "command", "flock /tmp/l", "strace -f", "bash -c", "sh -c", "eval"]),
    ) {
        let wrapped = match wrapper {
            "bash -c" | "sh -c" | "eval" => format!("{wrapper} {}", single_quoted(&command)),
            _ => format!("{wrapper} {command}"),
        };
        let (verdict, _) = check(&wrapped);
        prop_assert!(verdict.denial().is_some(), "allowed: {wrapped}");
    }

    /// A harmless segment in front never makes a denied command allowed.
    #[test]
    fn a_denied_command_stays_denied_after_a_harmless_segment(
        command in corpus_command(),
        prefix in prop::sample::select(vec!["ls; ", "echo hi && ", "true || ", "git status\n", "cd . && "]),
    ) {
        let (verdict, _) = check(&format!("{prefix}{command}"));
        prop_assert!(verdict.denial().is_some(), "allowed: {prefix}{command}");
    }

    /// Verbs in any case are the same verbs (macOS runs `SUDO`).
    #[test]
    fn a_denied_verb_stays_denied_in_any_case(
        verb in prop::sample::select(vec!["sudo id", "su -", "doas sh", "pkexec id", "kill 1", "pkill node", "killall x", "mkfs.ext4 /dev/sda", "reboot", "netclaw daemon stop", "systemctl stop netclaw", "rm -rf /", "docker rm x"]),
        upper in prop::collection::vec(any::<bool>(), 32),
    ) {
        let flipped: String = verb
            .chars()
            .zip(upper.iter().cycle())
            .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c })
            .collect();
        let paths = ProtectedPaths::new(Path::new("/home/agent/.netclaw"), Some(Path::new("/home/agent")));
        let env = ShellEnv { paths: &paths, working_directory: Some(Path::new("/home/agent/project")) };
        let rules = HardDenyRules::new(&["docker rm".to_owned()], &[]);
        let verdict = check_shell(&flipped, &rules, &env);
        prop_assert!(verdict.denial().is_some(), "allowed: {flipped}");
    }
}
