//! `netclaw webhooks verify|list`: the ingress's size and signature stages offline.

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::common::{home_arg, netclaw};

pub const GITHUB_SECRET: &str = "It's a Secret to Everybody";
const GITHUB_SIGNATURE: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

/// A home with webhooks on and `routes` (name, file text) under config/webhooks/.
pub fn webhook_home(netclaw_json: &str, routes: &[(&str, &str)]) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config/webhooks");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(home.path().join("config/netclaw.json"), netclaw_json).unwrap();
    for (name, text) in routes {
        std::fs::write(dir.join(format!("{name}.json")), text).unwrap();
    }
    home
}

pub fn github_route(extra: &str) -> String {
    format!(
        r#"{{"prompt": "triage the event",
            "verification": {{"kind": "Hmac", "secret": "{GITHUB_SECRET}",
                              "signatureHeaderName": "X-Hub-Signature-256", "signaturePrefix": "sha256="}},
            "eventHeaderName": "X-GitHub-Event", "deliveryIdHeaderName": "X-GitHub-Delivery"{extra}}}"#
    )
}

pub fn sign(secret: &str, payload: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(payload);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn verify(home: &Path, route: &str, body: &[u8], headers: &[String], now: Option<u64>) -> crate::common::Run {
    let body_file = home.join("body.bin");
    std::fs::write(&body_file, body).unwrap();
    let home_arg = home_arg(home);
    let body_arg = body_file.display().to_string();
    let now_arg = now.map(|n| n.to_string());
    let mut args =
        vec!["--home", &home_arg, "webhooks", "verify", "--route", route, "--body", &body_arg, "--format", "json"];
    for header in headers {
        args.extend(["-H", header]);
    }
    if let Some(now) = &now_arg {
        args.extend(["--now", now]);
    }
    netclaw(&args, &[])
}

#[test]
fn githubs_published_vector_is_accepted_offline_and_a_changed_byte_is_not() {
    let home = webhook_home(r#"{"Webhooks": {"Enabled": true}}"#, &[("github", &github_route(""))]);
    let signed = format!("X-Hub-Signature-256: {GITHUB_SIGNATURE}");
    let run = verify(home.path(), "github", b"Hello, World!", std::slice::from_ref(&signed), None);
    assert_eq!((run.code, run.json()), (0, serde_json::json!({"status": 202, "result": "accepted"})), "{}", run.stderr);
    let run = verify(home.path(), "github", b"Hello, World?", &[signed], None);
    assert_eq!((run.code, run.json()), (1, serde_json::json!({"status": 401, "result": "bad_signature"})));
    // A route file from anywhere, by path.
    let file = home.path().join("config/webhooks/github.json").display().to_string();
    let run = verify(home.path(), &file, b"Hello, World!", &[format!("X-Hub-Signature-256: {GITHUB_SIGNATURE}")], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_timestamped_signature_expires_after_its_tolerance() {
    let route = r#"{"prompt": "p", "verification": {"kind": "HmacTimestamped", "secret": "whsec_0123456789abcdef",
                    "signatureHeaderName": "Stripe-Signature", "toleranceSeconds": 300}}"#;
    let home = webhook_home(r#"{"Webhooks": {"Enabled": true}}"#, &[("stripe", route)]);
    let body = br#"{"id":"evt_1"}"#;
    let t = 1_700_000_000u64;
    let sig = sign("whsec_0123456789abcdef", format!("{t}.{}", std::str::from_utf8(body).unwrap()).as_bytes());
    let header = [format!("Stripe-Signature: t={t},v1={sig}")];
    assert_eq!(verify(home.path(), "stripe", body, &header, Some(t + 300)).code, 0);
    let late = verify(home.path(), "stripe", body, &header, Some(t + 301));
    assert_eq!((late.code, late.json()["result"].as_str()), (1, Some("bad_signature")));
}

#[test]
fn the_size_limit_is_checked_before_the_signature() {
    let home =
        webhook_home(r#"{"Webhooks": {"Enabled": true}}"#, &[("github", &github_route(r#", "maxBodyBytes": 8"#))]);
    let run =
        verify(home.path(), "github", b"Hello, World!", &[format!("X-Hub-Signature-256: {GITHUB_SIGNATURE}")], None);
    assert_eq!((run.code, run.json()["status"].as_u64()), (1, Some(413)));
}

#[test]
fn an_unknown_or_broken_route_is_an_error_not_a_verdict() {
    let home = webhook_home(r#"{"Webhooks": {"Enabled": true}}"#, &[("broken", r#"{"prompt": "p"}"#)]);
    let unknown = verify(home.path(), "nope", b"{}", &[], None);
    assert_eq!(unknown.code, 65);
    assert!(unknown.stderr.contains("no webhook route `nope`"), "{}", unknown.stderr);
    let broken = verify(home.path(), "broken", b"{}", &[], None);
    assert_eq!(broken.code, 65);
    assert!(broken.stderr.contains("config/webhooks/broken.json"), "{}", broken.stderr);
    let bad_header = verify(home.path(), "nope", b"{}", &["no colon".to_owned()], None);
    assert_eq!(bad_header.code, 64);
}

#[test]
fn list_says_which_routes_are_served() {
    let home = webhook_home(
        r#"{"Webhooks": {"Enabled": true}}"#,
        &[("github", &github_route(r#", "audience": "Team""#)), ("off", &github_route(r#", "enabled": false"#))],
    );
    let run = netclaw(&["--home", &home_arg(home.path()), "webhooks", "list", "--format", "json"], &[]);
    let listing = run.json();
    assert_eq!(listing["webhooksEnabled"], true);
    let served: Vec<(&str, bool, &str)> = listing["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["served"].as_bool().unwrap(), r["audience"].as_str().unwrap()))
        .collect();
    assert_eq!(served, [("github", true, "Team"), ("off", false, "Public")]);
}
