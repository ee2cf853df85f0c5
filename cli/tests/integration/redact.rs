//! `netclaw redact` end to end: stdin to stdout, whatever the input.

use crate::common::netclaw_stdin;

#[test]
fn secrets_are_replaced_and_the_rest_is_copied_byte_for_byte() {
    let input = concat!(
        "2026-12-03 INFO user=U0123ABCDEF channel=C0123ABCDEF ok\n",
        "curl -H 'Authorization: Bearer abcdef0123456789abcdef' https://api.example.com\n",
        "{\"client_secret\": \"s3cr3t-value\", \"max_tokens\": 1024}\n",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n",
        "done\n",
    );
    let run = netclaw_stdin(&["redact"], input.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    for secret in ["abcdef0123456789abcdef", "s3cr3t-value", "b3BlbnNzaC1rZXkt"] {
        assert!(!run.stdout.contains(secret), "{secret} survived:\n{}", run.stdout);
    }
    assert!(run.stdout.starts_with("2026-12-03 INFO user=U0123ABCDEF channel=C0123ABCDEF ok\n"));
    assert!(
        run.stdout.contains("\"max_tokens\": 1024")
            && run.stdout.ends_with("-----END OPENSSH PRIVATE KEY-----\ndone\n")
    );
}

#[test]
fn binary_input_and_a_long_single_line_pass_in_bounded_time() {
    let mut input: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
    input.extend(std::iter::repeat_n(b'x', 10 << 20));
    input.extend_from_slice(b" token=hunter2hunter2 ");
    let run = netclaw_stdin(&["redact"], &input);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("hunter2hunter2"));
}
