//! Hard-deny Overrides: user rules (`Tools.HardDenyPatterns`,
//! `config/hard-deny-overrides.json`) that do not do what they seem to.
//!
//! Each rule is turned into the commands it names (its words, each flag, each path)
//! and those are run through the real matcher: a rule whose own commands the built-in
//! list already denies adds nothing (shadowed), and a rule that does not deny its own
//! commands can never match (usually a spelling the matcher normalises differently).

use crate::config::{EffectiveConfig, HardDenyRule};
use crate::diagnostic::Location;
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding};
use crate::document::JsonDocument;
use crate::hard_deny::{HardDenyRules, ShellEnv, check_shell};
use crate::home::{FileRead, HARD_DENY_OVERRIDES_JSON};
use crate::json_pointer;

#[derive(Debug)]
pub(crate) struct HardDenyOverrides;

impl Check for HardDenyOverrides {
    fn id(&self) -> &'static str {
        "hard-deny-overrides"
    }

    fn name(&self) -> &'static str {
        "Hard-deny Overrides"
    }

    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome {
        let (Ok(config), Ok(overrides)) = (&context.config.config, &context.config.hard_deny_overrides) else {
            return CheckOutcome::skipped();
        };
        let env = ShellEnv { paths: context.paths, working_directory: None };
        let builtin = HardDenyRules::new(&[], &[]);
        let mut findings = Vec::new();
        let patterns = &config.config.tools.hard_deny_patterns;
        for (index, pattern) in patterns.iter().enumerate() {
            let own = HardDenyRules::new(std::slice::from_ref(pattern), &[]);
            let place = pattern_place(config, index);
            findings.extend(judge(
                &format!("pattern `{pattern}`"),
                std::slice::from_ref(pattern),
                &own,
                &builtin,
                &env,
                place,
            ));
        }
        let document = match &context.files.hard_deny_overrides {
            FileRead::Text(text) => JsonDocument::parse(HARD_DENY_OVERRIDES_JSON, text.clone()).ok(),
            _ => None,
        };
        for (index, rule) in overrides.iter().enumerate() {
            let own = HardDenyRules::new(&[], std::slice::from_ref(rule));
            let pointer = json_pointer::join("", &index.to_string());
            let place = document
                .as_ref()
                .map_or_else(|| Location::at(HARD_DENY_OVERRIDES_JSON, &pointer), |d| d.locate(&pointer));
            findings.extend(judge(&format!("rule {index}"), &examples(rule), &own, &builtin, &env, place));
        }
        let total = patterns.len() + overrides.len();
        let clean = match total {
            0 => "no custom rules; the built-in list applies".to_owned(),
            n => format!("{n} custom rule(s), each denying what it names and adding to the built-ins"),
        };
        CheckOutcome::found(findings, clean, "correct or remove the rules named below")
    }
}

fn pattern_place(config: &EffectiveConfig, index: usize) -> Location {
    config.locate(&format!("/Tools/HardDenyPatterns/{index}"))
}

fn judge(
    what: &str,
    commands: &[String],
    own: &HardDenyRules,
    builtin: &HardDenyRules,
    env: &ShellEnv<'_>,
    place: Location,
) -> Option<Finding> {
    let denied = |rules: &HardDenyRules, command: &str| check_shell(command, rules, env).denial().is_some();
    if commands.is_empty() {
        return None;
    }
    if commands.iter().all(|c| denied(builtin, c)) {
        let message = format!("{what} only denies what the built-in list already denies (`{}`)", commands.join("`, `"));
        return Some(
            Finding::warning("shadowed-by-builtin", place, message)
                .with_help("remove it, or narrow it to something the built-ins allow"),
        );
    }
    let missed: Vec<&String> = commands.iter().filter(|c| !denied(own, c)).collect();
    (!missed.is_empty()).then(|| {
        let list = missed.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
        Finding::warning("rule-never-matches", place, format!("{what} does not deny the command it names: {list}"))
            .with_help("write the command words as a shell would run them, unquoted, one word per item")
    })
}

/// The commands a rule names: its words, with each flag and each path it lists.
fn examples(rule: &HardDenyRule) -> Vec<String> {
    let base = match (&rule.verb, &rule.verb_prefix, &rule.raw_text) {
        (Some(words), None, None) => words.join(" "),
        (None, Some(prefix), None) => prefix.clone(),
        (None, None, Some(text)) => return vec![text.clone()],
        _ => return Vec::new(),
    };
    let flags: Vec<String> = if rule.arg_flags.is_empty() { vec![String::new()] } else { rule.arg_flags.clone() };
    let paths: Vec<String> = rule.first_path.as_ref().map_or_else(|| vec![String::new()], |p| p.one_of.clone());
    let mut out = Vec::new();
    for flag in &flags {
        for path in &paths {
            let command = [base.as_str(), flag, path].iter().filter(|w| !w.is_empty()).copied().collect::<Vec<_>>();
            out.push(command.join(" "));
        }
    }
    out
}
