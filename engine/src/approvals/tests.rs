use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use super::*;

/// 2026-12-03, the day these tests were written; ages are counted from it.
fn today() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(20_790 * 86_400 + 3600)
}

const STORE: &str = r#"{"version": 3, "audiences": {
  "Personal": {
    "shell_execute": [
      {"shell": "git status", "match": "tokenPrefix", "verbTokens": ["git", "status"], "directory": "/work/app", "createdAt": "2026-11-30T10:00:00Z"},
      {"shell": "npm test", "match": "exact", "verbTokens": ["npm", "test"], "directory": "/work/app", "createdAt": "2026-01-02T10:00:00Z"}
    ],
    "notion/notion-delete-page": [{"verb": "notion-delete-page", "directory": null, "createdAt": "someday"}]
  },
  "team": {"web_fetch": [{"verb": "fetch", "directory": null, "createdAt": "2026-12-01T00:00:00Z"}]}
}}"#;

fn home_with(store: &str) -> Result<(tempfile::TempDir, Home), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir(dir.path().join("config"))?;
    let file = dir.path().join(TOOL_APPROVALS_JSON);
    std::fs::write(&file, store)?;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
    let home = Home::new(dir.path());
    Ok((dir, home))
}

fn ids(rows: &[ApprovalRow]) -> Vec<&str> {
    rows.iter().map(|row| row.id.as_str()).collect()
}

#[test]
fn list_names_every_approval_by_its_pointer_with_its_age() -> Result<(), Box<dyn std::error::Error>> {
    let (_dir, home) = home_with(STORE)?;
    let rows = list(&home, today())?;
    assert_eq!(
        ids(&rows),
        [
            "/audiences/team/web_fetch/0",
            "/audiences/personal/notion~1notion-delete-page/0",
            "/audiences/personal/shell_execute/0",
            "/audiences/personal/shell_execute/1",
        ]
    );
    let ages: Vec<Option<i64>> = rows.iter().map(|row| row.age_days).collect();
    assert_eq!(ages, [Some(2), None, Some(3), Some(335)]);
    assert_eq!(rows[2].approved, "git status");
    assert_eq!(rows[1].directory, None);
    Ok(())
}

#[test]
fn revoke_removes_exactly_what_it_names_and_keeps_the_mode() -> Result<(), Box<dyn std::error::Error>> {
    let (dir, home) = home_with(STORE)?;
    let revoked = revoke(&home, &["/audiences/personal/shell_execute/0".to_owned()])?;
    assert_eq!(revoked[0].approved, "git status");
    let left = list(&home, today())?;
    assert_eq!(left.len(), 3);
    assert!(left.iter().any(|row| row.approved == "npm test" && row.id == "/audiences/personal/shell_execute/0"));
    let file = dir.path().join(TOOL_APPROVALS_JSON);
    assert_eq!(std::fs::metadata(&file)?.permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::read_to_string(dir.path().join("config/tool-approvals.json.bak"))?, STORE);

    let before = std::fs::read_to_string(&file)?;
    let missing = revoke(&home, &["/audiences/team/web_fetch/0".to_owned(), "/audiences/team/web_fetch/7".to_owned()]);
    assert!(matches!(missing, Err(ApprovalsError::NotFound(ref id)) if id.ends_with("/7")), "{missing:?}");
    assert_eq!(std::fs::read_to_string(&file)?, before, "all or nothing");
    Ok(())
}

#[test]
fn prune_removes_old_and_undated_approvals_only() -> Result<(), Box<dyn std::error::Error>> {
    let (dir, home) = home_with(STORE)?;
    let file = dir.path().join(TOOL_APPROVALS_JSON);
    let planned = prune(&home, 90, today(), true)?;
    assert_eq!(std::fs::read_to_string(&file)?, STORE, "a dry run changes nothing");
    let pruned = prune(&home, 90, today(), false)?;
    assert_eq!(planned, pruned);
    assert_eq!(
        ids(&pruned),
        ["/audiences/personal/notion~1notion-delete-page/0", "/audiences/personal/shell_execute/1"]
    );
    let left: Vec<String> = list(&home, today())?.into_iter().map(|row| row.approved).collect();
    assert_eq!(left, ["fetch", "git status"]);
    assert!(prune(&home, 90, today(), false)?.is_empty());
    Ok(())
}

#[test]
fn an_invalid_store_is_never_rewritten() -> Result<(), Box<dyn std::error::Error>> {
    let broken = r#"{"version": 2, "audiences": {}}"#;
    let (dir, home) = home_with(broken)?;
    let err = prune(&home, 0, today(), false).err().ok_or("pruned a broken store")?;
    assert_eq!(err.code(), "approvals.invalid");
    assert!(err.diagnostics().iter().any(|d| d.to_string().contains("/version")), "{:?}", err.diagnostics());
    assert_eq!(std::fs::read_to_string(dir.path().join(TOOL_APPROVALS_JSON))?, broken);
    Ok(())
}
