//! CLI conventions: exit 64 for usage errors, `--home` anywhere, `NETCLAW_HOME`,
//! stdout carrying only the result, no colour when not asked for.

use crate::common::{example, home_arg, netclaw};

#[test]
fn version_prints_to_stdout_and_succeeds() {
    let run = netclaw(&["--version"], &[]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("netclaw "), "{}", run.stdout);
}

/// Clap's default usage exit code is 2, which a CI gate would read as doctor's "warnings only".
#[test]
fn usage_errors_exit_64_with_nothing_on_stdout() {
    for args in [
        &["doctor", "--bogus"][..],
        &["doctor", "--format", "yaml"],
        &["doctor", "--dry-run"],
        &["config", "show", "--format", "sarif"],
        &["no-such-command"],
        &[],
    ] {
        let run = netclaw(args, &[]);
        assert_eq!(run.code, 64, "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?} wrote to stdout: {}", run.stdout);
    }
}

#[test]
fn home_is_accepted_before_or_after_the_subcommand_or_from_the_environment() {
    let home = home_arg(&example("team"));
    let before = netclaw(&["--home", &home, "config", "show", "--format", "json"], &[]);
    let after = netclaw(&["config", "show", "--format", "json", "--home", &home], &[]);
    let from_env = netclaw(&["config", "show", "--format", "json"], &[("NETCLAW_HOME", &home)]);
    assert_eq!(before.code, 0, "{}", before.stderr);
    assert_eq!(before.stdout, after.stdout);
    assert_eq!(before.stdout, from_env.stdout);
}

#[test]
fn the_flag_beats_the_environment() {
    let flag = home_arg(&example("team"));
    let run = netclaw(&["config", "show", "--format", "json", "--home", &flag], &[("NETCLAW_HOME", "/nonexistent")]);
    assert_eq!(run.json()["home"], flag.as_str());
}

#[test]
fn piped_output_has_no_colour_codes() {
    let run =
        netclaw(&["doctor", "--home", &home_arg(&example("team")), "--skip", "policy-invariants"], &[("NO_COLOR", "")]);
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
}
