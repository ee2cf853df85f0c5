//! Runs the shell corpus in `tests/shell_corpus/`: one file per class of attack, and
//! `benign.txt` beside them. Every case, every mismatch reported at once, with the
//! rate per class.

use std::path::Path;

use netclaw_engine::{ProtectedPaths, ShellEnv, check_shell};

use crate::common::corpus_rules;

struct Case {
    file: String,
    line: usize,
    verdict: String,
    command: String,
    why: String,
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/shell_corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.splitn(3, '\t');
            let (Some(verdict), Some(command), Some(why)) = (fields.next(), fields.next(), fields.next()) else {
                panic!("{file}:{}: expected VERDICT<TAB>COMMAND<TAB>WHY", index + 1);
            };
            let command = command.replace("\\n", "\n");
            out.push(Case {
                file: file.clone(),
                line: index + 1,
                verdict: verdict.to_owned(),
                command,
                why: why.to_owned(),
            });
        }
    }
    out
}

#[test]
fn every_corpus_case_gets_its_verdict() {
    let rules = corpus_rules();
    let paths = ProtectedPaths::new(Path::new("/home/agent/.netclaw"), Some(Path::new("/home/agent")));
    let env = ShellEnv { paths: &paths, working_directory: Some(Path::new("/home/agent/project")) };
    let cases = cases();
    let mut failures = Vec::new();
    // file → (cases, as expected)
    let mut per_file: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    let (mut dangerous, mut benign) = (0, 0);
    for case in &cases {
        let verdict = check_shell(&case.command, &rules, &env);
        let denial = verdict.denial();
        let got = denial.map_or("allow".to_owned(), |m| m.reason_code.to_string());
        let ok = match case.verdict.as_str() {
            "deny" => denial.is_some(),
            expected => got == expected,
        };
        if case.verdict == "allow" {
            benign += 1;
        } else {
            dangerous += 1;
        }
        let entry = per_file.entry(&case.file).or_default();
        entry.0 += 1;
        entry.1 += usize::from(ok);
        if !ok {
            let detail = denial.map(|m| format!(" ({}: {})", m.rule, m.message)).unwrap_or_default();
            failures.push(format!(
                "{}:{}: `{}` expected {}, got {got}{detail} — {}",
                case.file, case.line, case.command, case.verdict, case.why
            ));
        }
        // Every denial says where: the segment (when the text parsed), the word and the rule.
        if let Some(denial) = denial
            && !verdict.parsed.segments.is_empty()
            && (denial.segment.is_none() || denial.word.is_none() || denial.rule.is_empty())
        {
            failures.push(format!(
                "{}:{}: `{}` denied without naming its segment and word",
                case.file, case.line, case.command
            ));
        }
    }
    let summary: Vec<String> = per_file.iter().map(|(file, (n, ok))| format!("{file}: {ok}/{n}")).collect();
    println!("{}", summary.join("\n"));
    assert!(dangerous >= 1000 && benign >= 300, "the corpus should stay broad: {dangerous} dangerous, {benign} benign");
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
