use super::*;

fn redacted(text: &str) -> String {
    redact(text).into_owned()
}

fn streamed(text: &[u8], read_size: usize) -> Vec<u8> {
    struct Trickle<'a>(&'a [u8], usize);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let mut out = Vec::new();
    redact_stream(&mut Trickle(text, read_size), &mut out).unwrap();
    out
}

#[test]
fn the_patterns_compile() {
    assert!(redactor().is_ok(), "{:?}", redactor().err());
}

#[test]
fn reference_shapes_are_hidden_and_their_context_kept() {
    let cases = [
        (r#"{"api_key": "abc123def456"}"#, r#"{"api_key": "***REDACTED***"}"#),
        ("export GITHUB_TOKEN=abc123def456ghi", "export GITHUB_TOKEN=***REDACTED***"),
        ("Authorization: Bearer abc.def.ghi-0123456789", "Authorization: ***REDACTED***"),
        (
            "Server=db;User Id=sa;Password=Sup3r;Encrypt=true",
            "Server=db;User Id=sa;Password=***REDACTED***;Encrypt=true",
        ),
        ("key sk-ant-api03-abcdefgh12 used", "key ***REDACTED*** used"),
        ("bot xoxb-1234567890-abcdef ok", "bot ***REDACTED*** ok"),
        ("id AKIAIOSFODNN7EXAMPLE", "id ***REDACTED***"),
        ("postgres://app:s3cret@db:5432/x", "postgres://app:***REDACTED***@db:5432/x"),
    ];
    for (input, expected) in cases {
        assert_eq!(redacted(input), expected, "{input}");
    }
}

#[test]
fn ids_prose_and_numbers_stay() {
    for text in [
        "user U0123ABCDEF in C0123ABCDEF",
        "the password must be 12 characters",
        "task-list desk-lamp risk-assessment",
        r#"{"max_tokens": 1024, "tokenizer": "cl100k", "token_count": 512}"#,
        "see https://example.com/a?b=c and http://user@host/x",
        "export TOKEN=$GH_TOKEN",
    ] {
        assert_eq!(redacted(text), text);
    }
}

#[test]
fn a_private_key_block_is_hidden_however_the_reads_fall() {
    let text =
        b"before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1\nc2VjcmV0\n-----END RSA PRIVATE KEY-----\nafter\n";
    for read_size in [1, 3, 7, 64, 4096] {
        let out = String::from_utf8(streamed(text, read_size)).unwrap();
        assert!(!out.contains("MIIEow") && !out.contains("c2VjcmV0"), "{read_size}: {out}");
        assert!(out.starts_with("before\n") && out.ends_with("-----END RSA PRIVATE KEY-----\nafter\n"), "{out}");
    }
}

#[test]
fn a_secret_in_a_line_longer_than_the_window_is_still_found() {
    let mut text = vec![b'a'; 3 * 1024 * 1024];
    text.extend_from_slice(b" ghp_0123456789abcdefghijABCDEFGHIJ ");
    text.extend(vec![b'b'; 1024 * 1024 + 17]);
    let out = streamed(&text, 65536);
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains("ghp_") && out.contains(MASK));
    assert_eq!(out.len(), text.len() - "ghp_0123456789abcdefghijABCDEFGHIJ".len() + MASK.len());
}

#[test]
fn binary_and_invalid_utf8_pass_through() {
    let mut text: Vec<u8> = (0..=255u8).collect();
    text.extend_from_slice(b"\xff token=hunter2hunter2 \xfe\n");
    let out = streamed(&text, 100);
    assert!(!out.windows(7).any(|w| w == b"hunter2"));
    assert!(out.starts_with(&(0..=255u8).collect::<Vec<_>>()));
}

#[test]
fn shapes_are_named_without_a_key() {
    assert_eq!(shape_of("xoxb-1234567890-abcdefgh"), Some("a Slack token"));
    assert_eq!(shape_of("ghp_0123456789abcdefghijABCD"), Some("a GitHub token"));
    assert_eq!(shape_of("sk-ant-api03-abcdefgh"), Some("an API key"));
    assert_eq!(shape_of("AKIAIOSFODNN7EXAMPLE"), Some("an AWS access key id"));
    assert_eq!(shape_of("https://bot:hunter2@example.com/x"), Some("a URL with a password"));
    for benign in ["C0123ABCDEF", "U0123ABCDEF", "notion", "https://example.com/a", "127.0.0.1", "risk-assessment"] {
        assert_eq!(shape_of(benign), None, "{benign}");
    }
}

/// `shape_of` skips values without a trigger; that must never hide a shape the
/// patterns themselves would name.
#[test]
fn the_trigger_scan_loses_no_shape() {
    let corpus = [
        include_str!("../../tests/redaction_corpus/secrets.jsonl"),
        include_str!("../../tests/redaction_corpus/benign.jsonl"),
    ];
    let redactor = redactor().unwrap();
    let mut shapes = 0;
    for line in corpus.iter().flat_map(|c| c.lines()) {
        let entry: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = entry["text"].as_str().unwrap();
        let words = text.split([' ', '"', '\'', '=', ',']);
        for value in std::iter::once(text).chain(words) {
            let full = redactor.any_shape(value.as_bytes());
            assert_eq!(redactor.shape_of(value.as_bytes()), full, "{value}");
            shapes += usize::from(full.is_some());
        }
    }
    // The corpus does exercise shapes, so an equality of two `None`s proves nothing.
    assert!(shapes > 40, "{shapes}");
}

/// Found by the red team: each of these came through in plaintext.
#[test]
fn red_team_formats_are_hidden() {
    let cases = [
        ("PASSWORD=\"hunter2secret", "PASSWORD=\"***REDACTED***"),
        ("password => 'hunter2secret'", "password => '***REDACTED***'"),
        ("PGPASSWORD=abc123xyz", "PGPASSWORD=***REDACTED***"),
        ("Protocol=https;AccountKey=abcdEFGH1234==;Suffix=x", "Protocol=https;AccountKey=***REDACTED***;Suffix=x"),
        ("c?sv=2020&sig=hunter2secret%3D", "c?sv=2020&sig=***REDACTED***"),
        ("    client-key-data: LS0tLS1CRUdJTiBSU0E=", "    client-key-data: ***REDACTED***"),
        ("password: \"a\\\"b hunter2secret\"", "password: \"***REDACTED***\""),
        ("redis://:redispass99@cache:6379/0", "redis://:***REDACTED***@cache:6379/0"),
    ];
    for (input, expected) in cases {
        assert_eq!(redacted(input), expected, "{input}");
    }
}

#[test]
fn a_sentence_that_names_the_pem_marker_loses_nothing() {
    let text = "Files start with -----BEGIN PRIVATE KEY----- and end.\nline2\n";
    assert_eq!(redacted(text), text);
    let json = r#"{"k": "-----BEGIN PRIVATE KEY-----\nMIIabc\n-----END PRIVATE KEY-----\n"}"#;
    let out = redacted(json);
    assert!(!out.contains("MIIabc") && !out.contains('\n'), "escaped stays escaped: {out}");
}

#[test]
fn megabytes_of_repeated_keys_stay_linear() {
    let text = "password=".repeat(400_000);
    let started = std::time::Instant::now();
    let out = streamed(text.as_bytes(), 65536);
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    assert!(!String::from_utf8_lossy(&out).contains("password=password="));
}
