//! `netclaw policy verify` and `policy diff --prove`, end to end with cvc5.

use crate::common::{assert_matches_schema, example, home_arg, netclaw, snapshot};

/// Whether cvc5 is here; without it a proof test says so and stops, unless
/// `CI_REQUIRE_CVC5` is set (CI), where a missing solver is a failure.
fn solver_present() -> bool {
    let run = netclaw(&["policy", "verify", "--home", &home_arg(&example("public"))], &[]);
    let missing = run.code == 70 && run.stderr.contains("verify.no_solver");
    if missing && std::env::var_os("CI_REQUIRE_CVC5").is_some() {
        panic!("CI_REQUIRE_CVC5 is set and there is no solver: {}", run.stderr);
    }
    if missing {
        eprintln!("skipped: no cvc5 ({})", run.stderr.trim());
    }
    !missing
}

/// The report without its timings, which differ run to run.
fn without_timings(text: &str) -> String {
    let line = |line: &str| match (line.strip_suffix(" ms)"), line.rfind(" (")) {
        (Some(_), Some(at)) => line.get(..at).unwrap_or(line).to_owned(),
        _ => match line.find(" proved in ") {
            Some(at) => format!("{} proved", line.get(..at).unwrap_or(line)),
            None => line.to_owned(),
        },
    };
    text.lines().map(line).collect::<Vec<_>>().join("\n")
}

#[test]
fn every_example_is_proved() {
    if !solver_present() {
        return;
    }
    for name in ["personal", "team", "public"] {
        let run = netclaw(&["policy", "verify", "--home", &home_arg(&example(name))], &[]);
        assert_eq!(run.code, 0, "{name}: {}{}", run.stdout, run.stderr);
        snapshot!(format!("policy-verify-{name}.txt"), without_timings(&run.stdout));
        let json = netclaw(&["policy", "verify", "--home", &home_arg(&example(name)), "--format", "json"], &[]);
        assert_eq!(json.json()["status"], "proved");
        assert_matches_schema("policy-verify.schema.json", &json.json());
    }
}

#[test]
fn a_failed_property_exits_1_with_a_runnable_counterexample() {
    if !solver_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join("config")).unwrap_or_else(|e| panic!("{e}"));
    let config = r#"{"Security": {"DeploymentPosture": "Team"}, "Tools": {"AudienceProfiles": {
        "Team": {"AllowedMcpServers": ["notion"], "McpServerToolGrants": {"notion": ["search"]}}}}}"#;
    std::fs::write(dir.path().join("config/netclaw.json"), config).unwrap_or_else(|e| panic!("{e}"));
    let home = home_arg(dir.path());
    let run = netclaw(&["policy", "verify", "--home", &home, "--format", "json"], &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["status"], "failed");
    assert_matches_schema("policy-verify.schema.json", &report);
    let failed = report["properties"].as_array().into_iter().flatten().find(|p| p["status"] == "failed");
    let example = &failed.unwrap_or_else(|| panic!("no failed property: {report}"))["counterexamples"][0];
    // The counterexample is a request `authorize` takes: run it.
    let request = dir.path().join("request.json");
    std::fs::write(&request, example["request"].to_string()).unwrap_or_else(|e| panic!("{e}"));
    let decided = netclaw(&["authorize", "--home", &home, "--request", &home_arg(&request), "--format", "json"], &[]);
    assert_eq!(decided.code, 0, "{}", decided.stderr);
    assert_ne!(decided.json()["decision"], "deny", "the counterexample is not allowed: {}", decided.stdout);
}

#[test]
fn without_a_solver_nothing_passes() {
    let run = netclaw(&["policy", "verify", "--home", &home_arg(&example("team"))], &[("CVC5", "/nonexistent/cvc5")]);
    assert_eq!(run.code, 70, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty());
    for install in ["apt-get install cvc5", "brew install cvc5"] {
        assert!(run.stderr.contains(install), "no install line `{install}`: {}", run.stderr);
    }
}

#[test]
fn diff_prove_proves_a_file_widening_the_rows_also_show() {
    if !solver_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // The rows ask about a file in the first root (they once asked with no path, and
    // missed this); the proof covers every path.
    let write = |name: &str, roots: &str| {
        let config = format!(
            r#"{{"Security": {{"DeploymentPosture": "Team"}}, "Tools": {{"AudienceProfiles": {{"Team": {{
                "ReadFiles": {{"Mode": "Roots", "Roots": [{roots}]}},
                "ApprovalPolicy": {{"DefaultMode": "Approval"}}}}}}}}}}"#
        );
        std::fs::create_dir_all(dir.path().join(name).join("config")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join(name).join("config/netclaw.json"), config).unwrap_or_else(|e| panic!("{e}"));
        home_arg(&dir.path().join(name))
    };
    let (before, after) = (write("before", r#""/srv/data""#), write("after", r#""/srv/data", "/srv/more""#));
    let rows = netclaw(&["policy", "diff", "--from", &before, "--to", &after], &[]);
    assert_eq!(rows.code, 1, "the rows see the second root: {}", rows.stdout);
    let proved = netclaw(&["policy", "diff", "--from", &before, "--to", &after, "--prove", "--format", "json"], &[]);
    assert_eq!(proved.code, 1, "{}{}", proved.stdout, proved.stderr);
    let report = proved.json();
    assert_eq!(report["widens"], true);
    let subjects: Vec<&str> =
        report["proof"].as_array().into_iter().flatten().filter_map(|p| p["subject"].as_str()).collect();
    assert!(subjects.contains(&"file_read"), "{subjects:?}");
    let unchanged = netclaw(&["policy", "diff", "--from", &after, "--to", &after, "--prove"], &[]);
    assert_eq!(unchanged.code, 0);
    assert!(
        unchanged.stdout.contains("proved: the new config allows no request the old one denied"),
        "{}",
        unchanged.stdout
    );
}

/// doctor's Policy Invariants check: the proofs pass on a proved home, fail with the
/// key to change on a broken one, and warn (exit 2, never 0) without a solver.
#[test]
fn doctor_runs_the_proofs_as_a_check() {
    let team = home_arg(&example("team"));
    let missing = netclaw(
        &["doctor", "--home", &team, "--format", "json", "--approval-max-age", "36500"],
        &[("CVC5", "/nonexistent/cvc5")],
    );
    assert_eq!(missing.code, 2, "{}", missing.stdout);
    let check = |run: &crate::common::Run| {
        let report = run.json();
        report["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["id"] == "policy-invariants")
            .cloned()
            .unwrap_or_default()
    };
    let skipped = check(&missing);
    assert_eq!(
        (skipped["severity"].as_str(), skipped["findings"][0]["code"].as_str()),
        (Some("warn"), Some("solver-missing"))
    );
    assert!(skipped["remediation"].as_str().is_some_and(|r| r.contains("apt-get install cvc5")));
    if !solver_present() {
        return;
    }
    let proved = netclaw(&["doctor", "--home", &team, "--format", "json", "--approval-max-age", "36500"], &[]);
    assert_eq!(proved.code, 0, "{}", proved.stdout);
    assert_eq!(check(&proved)["severity"], "pass");

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join("config")).unwrap_or_else(|e| panic!("{e}"));
    let config = r#"{"Security": {"DeploymentPosture": "Team"}, "Tools": {"AudienceProfiles": {
        "Team": {"AllowedMcpServers": ["notion"], "McpServerToolGrants": {"notion": ["search"]}}}}}"#;
    std::fs::write(dir.path().join("config/netclaw.json"), config).unwrap_or_else(|e| panic!("{e}"));
    let broken = netclaw(&["doctor", "--home", &home_arg(dir.path()), "--format", "json"], &[]);
    assert_eq!(broken.code, 1, "{}", broken.stdout);
    let finding = &check(&broken)["findings"][0];
    assert_eq!(finding["code"], "invariant-violated");
    assert_eq!(finding["pointer"], "/Tools/AudienceProfiles/Team/McpServerToolGrants");
    assert!(
        finding["message"].as_str().is_some_and(|m| m.starts_with("audience-monotonic.team-personal")),
        "{finding}"
    );
}

/// A proof of the identical question is remembered outside the home and reused, even
/// without a solver; a changed config, an entry others could write, or a damaged one
/// is proved again.
#[test]
fn doctor_remembers_a_proof_only_of_the_same_set() {
    if !solver_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (home, cache) = (dir.path().join("home"), dir.path().join("cache/proofs"));
    std::fs::create_dir_all(home.join("config")).unwrap_or_else(|e| panic!("{e}"));
    let write_config =
        |config: &str| std::fs::write(home.join("config/netclaw.json"), config).unwrap_or_else(|e| panic!("{e}"));
    write_config(r#"{"Security": {"DeploymentPosture": "Team"}}"#);
    let cache_arg = cache.to_string_lossy().into_owned();
    let invariants = |extra: &[(&str, &str)]| {
        let mut env = vec![("NETCLAW_PROOF_CACHE", cache_arg.as_str())];
        env.extend_from_slice(extra);
        let run =
            netclaw(&["doctor", "--home", &home_arg(&home), "--format", "json", "--only", "policy-invariants"], &env);
        let check = run.json()["checks"][0].clone();
        (run.code, check["message"].as_str().unwrap_or_default().to_owned())
    };
    let mode = |path: &std::path::Path| {
        std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(path).unwrap_or_else(|e| panic!("{e}")).permissions(),
        ) & 0o777
    };

    let (code, first) = invariants(&[]);
    assert_eq!(code, 0, "{first}");
    assert!(first.ends_with("proved over every request (cvc5)"), "{first}");
    let entries: Vec<_> =
        std::fs::read_dir(&cache).unwrap_or_else(|e| panic!("{e}")).flatten().map(|e| e.path()).collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!((mode(&cache), mode(&entries[0])), (0o700, 0o600));

    let (code, again) = invariants(&[("CVC5", "/nonexistent/cvc5")]);
    assert_eq!(code, 0, "{again}");
    assert!(again.contains("(cvc5, remembered from 20"), "{again}");

    std::fs::set_permissions(&entries[0], std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(invariants(&[]).1.ends_with("(cvc5)"), "an entry others can read or write is not trusted");
    // Root reads anyone's files: an entry another user wrote, even at 600, is not its own.
    std::fs::set_permissions(&entries[0], std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(invariants(&[]).1.contains("remembered"), "an entry of this user's at 600 is trusted");
    if std::os::unix::fs::chown(&entries[0], Some(65_534), None).is_ok() {
        assert!(invariants(&[]).1.ends_with("(cvc5)"), "an entry another user owns is not trusted");
    }
    std::fs::write(&entries[0], "{").unwrap_or_else(|e| panic!("{e}"));
    assert!(invariants(&[]).1.ends_with("(cvc5)"), "a damaged entry is proved again");
    assert!(invariants(&[]).1.contains("remembered"), "and then remembered again");

    // Team granted a server Personal does not allow: a different set, proved afresh.
    write_config(
        r#"{"Security": {"DeploymentPosture": "Team"}, "Tools": {"AudienceProfiles": {
        "Team": {"AllowedMcpServers": ["notion"], "McpServerToolGrants": {"notion": ["search"]}}}}}"#,
    );
    let (code, broken) = invariants(&[]);
    assert_eq!((code, broken.as_str()), (1, "1 of 10 properties not proved"));
    let (code, missing) = invariants(&[("CVC5", "/nonexistent/cvc5")]);
    assert_eq!(code, 1, "a remembered failure is still a failure: {missing}");

    // A cache directory that is a link is neither read nor written through.
    let (real, link) = (dir.path().join("real"), dir.path().join("link"));
    std::fs::create_dir(&real).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(&real, &link).unwrap_or_else(|e| panic!("{e}"));
    let linked = [("NETCLAW_PROOF_CACHE", link.to_str().unwrap_or_default())];
    let run = netclaw(&["policy", "verify", "--home", &home_arg(&example("team"))], &linked);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read_dir(&real).map(Iterator::count).ok(), Some(0), "written through a link");

    // `policy verify` always proves, and leaves its proof for doctor.
    let fresh = dir.path().join("fresh");
    let run = netclaw(
        &["policy", "verify", "--home", &home_arg(&example("team"))],
        &[("NETCLAW_PROOF_CACHE", &fresh.to_string_lossy())],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doctor = netclaw(
        &["doctor", "--home", &home_arg(&example("team")), "--format", "json", "--only", "policy-invariants"],
        &[("NETCLAW_PROOF_CACHE", &fresh.to_string_lossy()), ("CVC5", "/nonexistent/cvc5")],
    );
    assert!(
        doctor.json()["checks"][0]["message"].as_str().is_some_and(|m| m.contains("remembered")),
        "{}",
        doctor.stdout
    );
}
