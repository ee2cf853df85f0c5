use super::*;
use crate::config::{EnvVar, HomeConfig};
use crate::home::HomeFiles;
use crate::paths::ProtectedPaths;

fn compiled(dir: &std::path::Path, netclaw: &str) -> CompiledPolicy {
    let files = HomeFiles::empty().with_netclaw(netclaw);
    let home = HomeConfig::load(&files, &[] as &[EnvVar]);
    CompiledPolicy::compile(&home, ProtectedPaths::new(dir, None)).unwrap_or_else(|e| unreachable!("{e}"))
}

fn request(json: &str) -> AuthorizeRequest {
    serde_json::from_str(json).unwrap_or_else(|e| unreachable!("{e}"))
}

#[test]
fn a_decision_reads_back_as_recorded_with_its_secrets_masked() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let home = Home::new(dir.path());
    let policy = compiled(dir.path(), r#"{"Security": {"DeploymentPosture": "Team"}}"#);
    let call = request(
        r#"{"channel": "slack", "tool": "web_fetch",
            "arguments": {"url": "https://example.com", "token": "ghp_0123456789abcdefghijABCDEFGHIJ012345"}}"#,
    );
    let decision = policy.authorize(&call);
    record_decision(&home, Some(&policy), &call, &decision)?;
    let entry = show(&home, &decision.decision_id)?.ok_or("not recorded")?;
    assert_eq!(entry.decision, decision);
    assert_eq!((entry.channel.as_str(), entry.tool.as_str(), entry.recorder.as_str()), ("slack", "web_fetch", "cli"));
    assert_eq!(entry.policy_digest.as_deref(), Some(policy.digest().as_str()));
    assert!(!entry.request.contains("ghp_0123456789"), "{}", entry.request);
    assert!(entry.request.contains("https://example.com"), "{}", entry.request);
    Ok(())
}

#[test]
fn list_filters_by_effect_tool_audience_and_time() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let home = Home::new(dir.path());
    let policy = compiled(dir.path(), r#"{"Security": {"DeploymentPosture": "Team"}}"#);
    for json in [
        r#"{"channel": "slack", "tool": "web_fetch"}"#,
        r#"{"channel": "slack", "tool": "shell_execute", "arguments": {"command": "sudo id"}}"#,
        r#"{"channel": "webhook", "tool": "web_fetch"}"#,
    ] {
        let call = request(json);
        record_decision(&home, Some(&policy), &call, &policy.authorize(&call))?;
    }
    let all = list(&home, &AuditFilter::default())?;
    assert_eq!(all.len(), 3);
    let denied = list(&home, &AuditFilter { denied_only: true, ..AuditFilter::default() })?;
    assert!(denied.iter().all(|e| e.decision.decision == crate::decision::Effect::Deny) && !denied.is_empty());
    let fetches = list(&home, &AuditFilter { tool: Some("web_fetch".into()), ..AuditFilter::default() })?;
    assert_eq!(fetches.len(), 2);
    let public = list(&home, &AuditFilter { audience: Some("public".into()), ..AuditFilter::default() })?;
    assert!(public.iter().all(|e| e.channel == "webhook") && public.len() == 1, "{public:?}");
    let future = list(&home, &AuditFilter { since_ms: Some(now_ms() + 60_000), ..AuditFilter::default() })?;
    assert!(future.is_empty());
    Ok(())
}

#[test]
fn audit_off_records_nothing_and_pruning_keeps_recent_decisions() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let home = Home::new(dir.path());
    let off = compiled(dir.path(), r#"{"Audit": {"Enabled": false}}"#);
    let call = request(r#"{"tool": "web_fetch"}"#);
    record_decision(&home, Some(&off), &call, &off.authorize(&call))?;
    assert!(list(&home, &AuditFilter::default())?.is_empty());
    let on = compiled(dir.path(), "{}");
    record_decision(&home, Some(&on), &call, &on.authorize(&call))?;
    let connection = store::open(&home)?;
    connection.execute("UPDATE audit_log SET time_ms = time_ms - 91 * 86400000", [])?;
    record_decision(&home, Some(&on), &call, &on.authorize(&call))?;
    let texts = |c: &Connection| c.query_row("SELECT count(*) FROM audit_texts", [], |r| r.get::<_, i64>(0));
    assert_eq!(texts(&connection)?, 3, "two equal decisions share their request, result and digest");
    assert_eq!(prune(&connection, 90)?, 1);
    assert_eq!(list(&home, &AuditFilter::default())?.len(), 1);
    assert_eq!(texts(&connection)?, 3, "texts still referred to are kept");
    connection.execute("UPDATE audit_log SET time_ms = time_ms - 1000", [])?;
    assert_eq!(prune(&connection, 0)?, 1);
    assert_eq!(texts(&connection)?, 0, "texts nothing refers to are pruned");
    Ok(())
}

#[test]
fn a_config_that_does_not_compile_still_records_its_deny() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let home = Home::new(dir.path());
    let files = HomeFiles::empty().with_netclaw(r#"{"Security": {"DeploymentPosture": "Everyone"}}"#);
    let err =
        CompiledPolicy::compile(&HomeConfig::load(&files, &[] as &[EnvVar]), ProtectedPaths::new(dir.path(), None))
            .err()
            .ok_or("compiled")?;
    let call = request(r#"{"tool": "web_fetch"}"#);
    let decision = err.decision();
    record_decision(&home, None, &call, &decision)?;
    let entry = show(&home, &decision.decision_id)?.ok_or("not recorded")?;
    assert_eq!(entry.decision.decision, crate::decision::Effect::Deny);
    assert_eq!(entry.policy_digest, None);
    Ok(())
}

#[test]
fn concurrent_writers_lose_nothing() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let home = Home::new(dir.path());
    let policy = compiled(dir.path(), "{}");
    let call = request(r#"{"channel": "tui", "tool": "web_fetch"}"#);
    let (daemon, writer_thread) = AuditWriter::start(store::open(&home)?)?;
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..50 {
                    let decision = policy.authorize(&call);
                    record_decision(&home, Some(&policy), &call, &decision).unwrap_or_else(|e| unreachable!("{e}"));
                }
            });
        }
        for _ in 0..200 {
            daemon.record(AuditEntry::new(
                &call,
                request_text(&call),
                &policy.authorize(&call),
                "daemon",
                Some(1),
                None,
            ));
        }
    });
    drop(daemon);
    writer_thread.join().map_err(|_| "the writer panicked")?;
    let entries = list(&home, &AuditFilter::default())?;
    assert_eq!(entries.iter().filter(|e| e.recorder == "cli").count(), 200);
    assert_eq!(entries.iter().filter(|e| e.recorder == "daemon").count(), 200);
    Ok(())
}

#[test]
fn decisions_that_cannot_be_written_are_counted_not_dropped_silently() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let policy = compiled(dir.path(), "{}");
    let call = request(r#"{"channel": "tui", "tool": "web_fetch"}"#);
    // A database without the audit table: every insert fails, as on a broken disk.
    let (daemon, writer_thread) = AuditWriter::start(Connection::open_in_memory()?)?;
    for _ in 0..3 {
        daemon.record(AuditEntry::new(&call, request_text(&call), &policy.authorize(&call), "daemon", Some(1), None));
    }
    let counter = daemon.clone();
    drop(daemon);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while counter.unrecorded() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(counter.unrecorded(), 3);
    drop(counter);
    writer_thread.join().map_err(|_| "the writer panicked")?;
    Ok(())
}
