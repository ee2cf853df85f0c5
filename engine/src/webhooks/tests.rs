use bytes::Bytes;
use serde_json::json;

use super::headers::HeaderList;
use super::ingress::{Ingress, Outcome, verify_offline};
use super::signature::{sign_hex, verify};
use crate::config::WebhookRoute;

const GITHUB_SECRET: &str = "It's a Secret to Everybody";
const GITHUB_SIGNATURE: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
const NOW: u64 = 1_700_000_000;

fn route(verification: serde_json::Value, extra: serde_json::Value) -> WebhookRoute {
    let mut value = json!({"prompt": "triage it", "verification": verification});
    if let (Some(map), Some(more)) = (value.as_object_mut(), extra.as_object()) {
        map.extend(more.clone());
    }
    serde_json::from_value(value).unwrap_or_else(|e| unreachable!("test route: {e}"))
}

fn github() -> WebhookRoute {
    route(
        json!({"kind": "Hmac", "secret": GITHUB_SECRET, "signatureHeaderName": "X-Hub-Signature-256", "signaturePrefix": "sha256="}),
        json!({"eventHeaderName": "X-GitHub-Event", "deliveryIdHeaderName": "X-GitHub-Delivery", "rateLimitPerMinute": 2}),
    )
}

fn headers(lines: &[&str]) -> HeaderList {
    HeaderList::parse(lines.iter().copied()).unwrap_or_default()
}

#[test]
fn githubs_published_vector_verifies_and_any_change_fails() {
    let route = github();
    let v = &route.verification;
    assert!(verify(v, &headers(&[&format!("X-Hub-Signature-256: {GITHUB_SIGNATURE}")]), b"Hello, World!", NOW));
    assert!(verify(
        v,
        &headers(&[&format!("x-hub-signature-256: {}", GITHUB_SIGNATURE.to_uppercase())]),
        b"Hello, World!",
        NOW
    ));
    assert!(!verify(v, &headers(&[&format!("X-Hub-Signature-256: {GITHUB_SIGNATURE}")]), b"Hello, World?", NOW));
    let no_prefix = GITHUB_SIGNATURE.trim_start_matches("sha256=");
    assert!(!verify(v, &headers(&[&format!("X-Hub-Signature-256: {no_prefix}")]), b"Hello, World!", NOW));
    let twice = format!("X-Hub-Signature-256: {GITHUB_SIGNATURE}");
    assert!(!verify(v, &headers(&[&twice, &twice]), b"Hello, World!", NOW), "a header sent twice is refused");
    assert!(!verify(v, &headers(&["X-Hub-Signature-256: sha256=zz"]), b"Hello, World!", NOW));
    assert!(!verify(v, &headers(&[]), b"Hello, World!", NOW));
}

#[test]
fn timestamped_signatures_expire_and_accept_any_of_several_during_rotation() {
    let route = route(
        json!({"kind": "HmacTimestamped", "secret": "whsec_new", "signatureHeaderName": "Stripe-Signature", "toleranceSeconds": 300}),
        json!({}),
    );
    let body = br#"{"id":"evt_1"}"#;
    let signed = |secret: &str, t: u64| sign_hex(secret, format!("{t}.{}", String::from_utf8_lossy(body)).as_bytes());
    let header = |t: u64, sigs: &[String]| {
        let v1: Vec<String> = sigs.iter().map(|s| format!("v1={s}")).collect();
        format!("Stripe-Signature: t={t},{}", v1.join(","))
    };
    let v = &route.verification;
    assert!(verify(v, &headers(&[&header(NOW, &[signed("whsec_new", NOW)])]), body, NOW));
    assert!(verify(
        v,
        &headers(&[&header(NOW, &[signed("whsec_old", NOW), signed("whsec_new", NOW)])]),
        body,
        NOW + 300
    ));
    assert!(!verify(v, &headers(&[&header(NOW, &[signed("whsec_new", NOW)])]), body, NOW + 301), "expired");
    assert!(
        !verify(v, &headers(&[&header(NOW + 301, &[signed("whsec_new", NOW + 301)])]), body, NOW),
        "from the future"
    );
    assert!(!verify(v, &headers(&[&header(NOW, &[signed("whsec_old", NOW)])]), body, NOW), "only the old secret");
    let sig = signed("whsec_new", NOW);
    assert!(
        !verify(v, &headers(&[&format!("Stripe-Signature: t={NOW},t={NOW},v1={sig}")]), body, NOW),
        "two timestamps"
    );
    assert!(!verify(v, &headers(&[&format!("Stripe-Signature: t=+{NOW},v1={sig}")]), body, NOW));
}

#[test]
fn a_header_secret_must_match_exactly() {
    let route = route(json!({"kind": "HeaderSecret", "secret": "s3cr3t-value-long-enough"}), json!({}));
    let v = &route.verification;
    assert!(verify(v, &headers(&["X-Webhook-Secret: s3cr3t-value-long-enough"]), b"{}", NOW));
    assert!(!verify(v, &headers(&["X-Webhook-Secret: s3cr3t-value-long-enoug"]), b"{}", NOW));
    assert!(!verify(v, &headers(&["X-Webhook-Secret: "]), b"{}", NOW));
}

#[test]
fn an_encrypted_secret_that_did_not_open_fails_every_signature() {
    let route = route(json!({"kind": "HeaderSecret", "secret": "ENC:v1:AAAA"}), json!({}));
    let mut sealed = route.verification.clone();
    sealed.secret.unseal(&crate::secrets::Keyring::default(), "webhooks/x#/verification/secret");
    assert!(!verify(&sealed, &headers(&["X-Webhook-Secret: ENC:v1:AAAA"]), b"{}", NOW));
}

#[test]
fn offline_verification_checks_size_then_signature() {
    let mut route = github();
    let signed = headers(&[&format!("X-Hub-Signature-256: {GITHUB_SIGNATURE}")]);
    assert_eq!(verify_offline(&route, &signed, b"Hello, World!", NOW), Outcome::Accepted);
    route.max_body_bytes = 12;
    assert_eq!(verify_offline(&route, &signed, b"Hello, World!", NOW), Outcome::TooLarge);
}

fn signed_github(body: &str, event: &str, delivery: &str) -> HeaderList {
    let sig = sign_hex(GITHUB_SECRET, body.as_bytes());
    headers(&[
        &format!("X-Hub-Signature-256: sha256={sig}"),
        &format!("X-GitHub-Event: {event}"),
        &format!("X-GitHub-Delivery: {delivery}"),
    ])
}

#[test]
fn the_pipeline_answers_in_the_contracts_order() {
    let ingress = Ingress::default();
    let mut route = github();
    route.events = vec!["push".to_owned()];
    let admit = |body: &str, h: &HeaderList| ingress.admit("github", &route, h, Bytes::from(body.to_owned()), NOW);
    // Not JSON beats a bad signature; a bad signature beats the event filter.
    assert_eq!(admit("Hello, World!", &headers(&[])).err(), Some(Outcome::InvalidJson));
    assert_eq!(admit("{}", &headers(&["X-GitHub-Event: push"])).err(), Some(Outcome::BadSignature));
    assert_eq!(admit("{}", &signed_github("{}", "issues", "d-0")).err(), Some(Outcome::Filtered));
    let first = admit("{}", &signed_github("{}", "push", "d-1"));
    assert!(
        first.as_ref().is_ok_and(|d| d.delivery_id.as_deref() == Some("d-1") && d.event.as_deref() == Some("push"))
    );
    assert_eq!(admit("{}", &signed_github("{}", "push", "d-1")).err(), Some(Outcome::Duplicate));
    assert!(admit("{}", &signed_github("{}", "push", "d-2")).is_ok());
    let limited = admit("{}", &signed_github("{}", "push", "d-3")).err();
    assert!(matches!(limited, Some(Outcome::RateLimited { retry_after_seconds: 1..=30 })), "{limited:?}");
    // The rate-limited delivery was released: its retry is limited again, not a duplicate.
    assert!(matches!(admit("{}", &signed_github("{}", "push", "d-3")).err(), Some(Outcome::RateLimited { .. })));
}

#[test]
fn a_delivery_released_after_a_failed_commit_is_accepted_on_retry() {
    let ingress = Ingress::default();
    let route = github();
    let body = || Bytes::from_static(b"{}");
    let first = ingress.admit("github", &route, &signed_github("{}", "push", "d-9"), body(), NOW);
    let Ok(delivery) = first else { unreachable!("admitted: {first:?}") };
    ingress.release(&delivery);
    assert!(ingress.admit("github", &route, &signed_github("{}", "push", "d-9"), body(), NOW).is_ok());
}

mod mutations {
    use proptest::prelude::*;

    use super::*;

    const BODY: &str = r#"{"action":"opened","number":7}"#;

    fn valid_headers(signature: &str) -> Vec<String> {
        vec![
            format!("X-Hub-Signature-256: sha256={signature}"),
            "X-GitHub-Event: push".to_owned(),
            "X-GitHub-Delivery: d-1".to_owned(),
        ]
    }

    fn admit(headers: &[String], body: Vec<u8>) -> Result<(), Outcome> {
        let list = HeaderList::parse(headers.iter().map(String::as_str)).unwrap_or_default();
        Ingress::default().admit("github", &github(), &list, Bytes::from(body), NOW).map(drop)
    }

    #[derive(Debug, Clone)]
    enum Mutation {
        FlipBodyByte { at: usize, xor: u8 },
        ChangeSignatureDigit { at: usize, to: char },
        TruncateSignature { keep: usize },
        DropSignature,
        SignatureTwice { other: String },
        AppendToBody { extra: Vec<u8> },
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            (0..BODY.len(), 1u8..=255).prop_map(|(at, xor)| Mutation::FlipBodyByte { at, xor }),
            (0usize..64, proptest::char::range('0', 'f'))
                .prop_map(|(at, to)| Mutation::ChangeSignatureDigit { at, to }),
            (0usize..64).prop_map(|keep| Mutation::TruncateSignature { keep }),
            Just(Mutation::DropSignature),
            "[0-9a-f]{64}".prop_map(|other| Mutation::SignatureTwice { other }),
            proptest::collection::vec(any::<u8>(), 1..16).prop_map(|extra| Mutation::AppendToBody { extra }),
        ]
    }

    proptest! {
        #[test]
        fn no_mutation_of_a_signed_delivery_is_accepted(m in mutation()) {
            let signature = sign_hex(GITHUB_SECRET, BODY.as_bytes());
            prop_assert!(admit(&valid_headers(&signature), BODY.as_bytes().to_vec()).is_ok());
            let mut headers = valid_headers(&signature);
            let mut body = BODY.as_bytes().to_vec();
            match &m {
                Mutation::FlipBodyByte { at, xor } => body[*at] ^= xor,
                Mutation::ChangeSignatureDigit { at, to } => {
                    let mut digits: Vec<char> = signature.chars().collect();
                    prop_assume!(!digits[*at].eq_ignore_ascii_case(to) && to.is_ascii_hexdigit());
                    digits[*at] = *to;
                    headers[0] = format!("X-Hub-Signature-256: sha256={}", digits.iter().collect::<String>());
                }
                Mutation::TruncateSignature { keep } => {
                    headers[0] = format!("X-Hub-Signature-256: sha256={}", &signature[..*keep]);
                }
                Mutation::DropSignature => { headers.remove(0); }
                Mutation::SignatureTwice { other } => headers.push(format!("X-Hub-Signature-256: sha256={other}")),
                Mutation::AppendToBody { extra } => body.extend_from_slice(extra),
            }
            let refused = admit(&headers, body);
            prop_assert!(
                matches!(refused, Err(Outcome::InvalidJson | Outcome::BadSignature)),
                "{m:?} got {refused:?}"
            );
        }
    }
}
