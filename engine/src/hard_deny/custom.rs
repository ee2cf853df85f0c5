//! User rules: `Tools.HardDenyPatterns` and `config/hard-deny-overrides.json`.
//! They only add denials; nothing here can allow what a built-in rule denies.
//!
//! A pattern's first word is a command name; its other words must follow among the
//! arguments in order, with anything in between: `docker rm` matches `docker
//! --context x rm` and `docker container rm` too. Everything compares lowercase.

use super::ShellEnv;
use super::builtin::Command;
use crate::config::HardDenyRule;
use crate::shell::ShellWord;

/// A pattern, lowercase and split into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    pub text: String,
    /// The command name (basename of the first word).
    pub name: String,
    pub rest: Vec<String>,
}

impl Pattern {
    pub(super) fn new(text: &str) -> Option<Self> {
        let mut words = text.split_whitespace().map(str::to_lowercase);
        let first = words.next()?;
        let name = first.rsplit('/').next().unwrap_or(&first).to_owned();
        Some(Self { text: text.to_owned(), name, rest: words.collect() })
    }

    /// The programs the pattern applies to: its own and its drop-in replacements.
    pub(super) fn programs(&self) -> Vec<String> {
        let family = family_of(&self.name).map(|f| f.programs).unwrap_or_default();
        std::iter::once(self.name.clone()).chain(family.iter().map(|p| (*p).to_owned())).collect()
    }

    /// Whether `command` runs the pattern: its name (or a drop-in replacement's),
    /// then its words in order (or words that mean the same to it).
    pub(super) fn matches(&self, command: &Command<'_>) -> bool {
        self.matching(command) == Matched::Yes
    }

    /// Like [`Pattern::matches`], and whether an argument only known at run time
    /// stands where the pattern's next word is due (`kubectl delete $(…)`).
    pub(super) fn matching(&self, command: &Command<'_>) -> Matched {
        // `git-push` (git's own executables) is `git push`.
        let (name, args) = match command.name.strip_prefix("git-").filter(|_| self.name == "git") {
            Some(sub) => {
                ("git", std::iter::once(ShellWord::literal(sub)).chain(command.args.iter().cloned()).collect())
            }
            None => (command.name, Vec::new()),
        };
        let args = if args.is_empty() { command.args } else { args.as_slice() };
        // `terraform plan -destroy` only plans.
        let plans = args.iter().any(|a| a.text() == Some("plan"));
        let family = family_of(&self.name).filter(|f| !(plans && f.programs.contains(&"terraform")));
        let same_program = name == self.name || family.is_some_and(|f| f.programs.contains(&name));
        if !same_program {
            return Matched::No;
        }
        in_order(args, &self.rest, other_objects(&self.name), family)
    }
}

/// Whether a command runs a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Matched {
    No,
    Yes,
    /// It would, if this argument (only known at run time) says the next word.
    Maybe(String),
}

/// Programs that stand in for one another, and the words that mean the same to them:
/// a pattern written for one holds for all (`docker rm` is `podman rm` and `docker
/// container remove`; `kubectl delete namespace` is `oc delete ns/prod`).
struct Family {
    programs: &'static [&'static str],
    synonyms: &'static [&'static [&'static str]],
    /// Words that may stand before the pattern's next one without changing what it
    /// acts on (`docker container rm`, `terragrunt run-all destroy`).
    transparent: &'static [&'static str],
}

const FAMILIES: &[Family] = &[
    Family {
        programs: &["docker", "podman", "nerdctl", "finch", "docker-compose", "podman-compose"],
        synonyms: &[&["rm", "remove", "prune"], &["rmi", "image-rm"], &["kill", "stop"]],
        transparent: &["container", "compose", "system"],
    },
    Family {
        programs: &["kubectl", "oc", "kubecolor", "kubectl.exe"],
        synonyms: &[
            &["namespace", "namespaces", "ns", "project", "projects"],
            &["deployment", "deployments", "deploy"],
            &["pod", "pods", "po"],
            &["service", "services", "svc"],
            &["persistentvolumeclaim", "persistentvolumeclaims", "pvc"],
            &["persistentvolume", "persistentvolumes", "pv"],
            &["secret", "secrets"],
            &["configmap", "configmaps", "cm"],
            &["statefulset", "statefulsets", "sts"],
            &["daemonset", "daemonsets", "ds"],
            &["node", "nodes", "no"],
            &["job", "jobs"],
            &["cronjob", "cronjobs", "cj"],
            &["ingress", "ingresses", "ing"],
            &["replicaset", "replicasets", "rs"],
            &["customresourcedefinition", "customresourcedefinitions", "crd", "crds"],
        ],
        transparent: &[],
    },
    Family {
        programs: &["terraform", "tofu", "terragrunt", "cdktf"],
        synonyms: &[&["destroy", "-destroy", "--destroy"]],
        transparent: &["run-all", "apply"],
    },
];

fn family_of(program: &str) -> Option<&'static Family> {
    FAMILIES.iter().find(|f| f.programs.contains(&program))
}

/// Whether an argument's text says `word`: itself, a synonym, or one of its `/`- or
/// `,`-separated parts (`ns/prod`, `namespace,deployment`).
fn says(text: &str, word: &str, family: Option<&Family>) -> bool {
    let same = |part: &str| {
        part == word
            || family.is_some_and(|f| f.synonyms.iter().any(|group| group.contains(&part) && group.contains(&word)))
    };
    same(text) || text.split(['/', ',']).any(same)
}

/// The objects a container CLI manages besides containers: `docker image rm` is not
/// `docker rm`, though `docker container rm` is.
fn other_objects(program: &str) -> &'static [&'static str] {
    match program {
        "docker" | "podman" | "nerdctl" => &[
            "image", "images", "network", "volume", "builder", "buildx", "plugin", "secret", "config", "node",
            "context", "manifest", "trust", "machine", "pod",
        ],
        _ => &[],
    }
}

/// Whether `words` appear among `args`, in order; an argument matches a word if any of
/// its values does (lowercase). Skipping one of `objects` (that the pattern does not
/// name itself) changes what the later words act on, so it breaks the match.
fn in_order(args: &[ShellWord], words: &[String], objects: &[&str], family: Option<&Family>) -> Matched {
    let mut args = args.iter();
    let mut previous_option = false;
    for word in words {
        // Operands passed over since the last word matched.
        let mut skipped = 0;
        let found = loop {
            let Some(arg) = args.next() else { return Matched::No };
            let object = arg.text().map(str::to_lowercase).filter(|t| objects.contains(&t.as_str()));
            if object.is_some_and(|o| o != *word) {
                return Matched::No;
            }
            // `rm$IFS`: an expansion that may be empty leaves the rest.
            let collapsed = arg.collapsed.iter().filter(|_| arg.values.is_empty());
            let texts = arg.values.iter().map(|v| &v.text).chain(collapsed);
            if texts.map(|t| t.to_lowercase()).any(|t| says(&t, word, family)) {
                previous_option = false;
                break true;
            }
            if arg.open && arg.values.is_empty() && skipped == 0 {
                return Matched::Maybe(arg.raw.clone());
            }
            // Passed over: options, what right follows an option (its value, as in
            // `docker --context x rm`), and words the program reads through. Any other
            // word is what the command acts on (`docker run img rm` runs `rm` in a
            // container; `kubectl auth can-i delete` asks a question).
            let option = arg.text().is_some_and(|t| t.starts_with('-'));
            let transparent =
                family.is_some_and(|f| arg.text().is_some_and(|t| f.transparent.contains(&t.to_lowercase().as_str())));
            if !option && !previous_option && !transparent {
                return Matched::No;
            }
            previous_option = option && !arg.text().is_some_and(|t| t.contains('='));
            if !option {
                skipped += 1;
            }
        };
        if !found {
            return Matched::No;
        }
    }
    Matched::Yes
}

/// Whether an overrides rule matches this command.
pub(crate) fn override_matches(rule: &HardDenyRule, command: &Command<'_>, text: &str, env: &ShellEnv<'_>) -> bool {
    if let Some(verb) = &rule.verb {
        let Some(pattern) = Pattern::new(&verb.join(" ")) else { return false };
        if !pattern.matches(command) {
            return false;
        }
        let flags_ok = rule.arg_flags.is_empty()
            || rule.arg_flags.iter().any(|flag| has_flag(command.args, flag) || forces(command, flag));
        let path_ok = rule.first_path.as_ref().is_none_or(|first| {
            let operand =
                command.args.iter().skip(pattern.rest.len()).find(|w| !w.text().is_some_and(|t| t.starts_with('-')));
            operand.is_some_and(|o| first.one_of.iter().any(|p| same_path(o, p, command, env)))
        });
        return flags_ok && path_ok;
    }
    if let Some(prefix) = &rule.verb_prefix {
        return command.name.starts_with(&prefix.to_lowercase());
    }
    if let Some(raw) = &rule.raw_text {
        let raw = raw.to_lowercase();
        let words: Vec<&str> = command.args.iter().filter_map(ShellWord::text).collect();
        let joined = format!("{} {}", command.name, words.join(" ")).to_lowercase();
        return text.to_lowercase().contains(&raw) || joined.contains(&raw);
    }
    false
}

/// Git's other ways to force a push unconditionally: `--mirror`, a `+refspec` (also in
/// `-c remote.origin.push=+refs/…`). `--force-with-lease` is the guarded kind, not these.
fn forces(command: &Command<'_>, flag: &str) -> bool {
    command.name == "git"
        && matches!(flag.to_lowercase().as_str(), "--force" | "-f")
        && command.args.iter().flat_map(|w| &w.values).any(|v| {
            let t = v.text.to_lowercase();
            t == "--mirror" || (t.starts_with('+') && t.len() > 1) || t.contains("=+") || t.ends_with(".mirror=true")
        })
}

/// `-f` is present as itself or inside a cluster like `-rf`; long flags match whole
/// or before `=`. Every value an argument may take counts (`${x:--f}`).
fn has_flag(args: &[ShellWord], flag: &str) -> bool {
    let flag = flag.to_lowercase();
    let short = flag.strip_prefix('-').filter(|f| f.len() == 1 && !f.starts_with('-'));
    args.iter().flat_map(|w| &w.values).map(|v| v.text.as_str()).any(|arg| {
        let lower = arg.to_lowercase();
        lower == flag
            || lower.split_once('=').is_some_and(|(name, _)| name == flag)
            || short.is_some_and(|s| arg.starts_with('-') && !arg.starts_with("--") && arg.contains(s))
    })
}

fn same_path(operand: &ShellWord, listed: &str, command: &Command<'_>, env: &ShellEnv<'_>) -> bool {
    let resolve = |text: &str, home: bool| -> Vec<std::path::PathBuf> {
        if home {
            return env
                .paths
                .user_home()
                .map(|h| crate::paths::normalize(&h.join(text.trim_start_matches('/'))))
                .into_iter()
                .collect();
        }
        command.cwd.join(text)
    };
    let listed = match listed.strip_prefix('~') {
        Some(rest) => resolve(rest, true),
        None => resolve(listed, false),
    };
    operand.values.iter().any(|v| resolve(&v.text, v.home_relative).iter().any(|p| listed.contains(p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::Cwd;

    fn command<'a>(name: &'a str, args: &'a [ShellWord], cwd: &'a Cwd) -> Command<'a> {
        Command { name, args, redirects: &[], cwd }
    }

    fn words(text: &str) -> Vec<ShellWord> {
        text.split(' ').map(ShellWord::literal).collect()
    }

    #[test]
    fn patterns_match_across_global_options_and_case() {
        let cwd = Cwd::unknown();
        let pattern = Pattern::new("Docker RM").unwrap();
        assert!(pattern.matches(&command("docker", &words("rm foo"), &cwd)));
        assert!(pattern.matches(&command("docker", &words("--context x rm foo"), &cwd)));
        assert!(pattern.matches(&command("docker", &words("container RM foo"), &cwd)));
        assert!(!pattern.matches(&command("docker", &words("rmi foo"), &cwd)));
        assert!(!pattern.matches(&command("docker", &words("image rm foo"), &cwd)));
        assert!(Pattern::new("docker image rm").unwrap().matches(&command("docker", &words("image rm x"), &cwd)));
        assert!(pattern.matches(&command("podman", &words("container remove x"), &cwd)));
        assert!(!pattern.matches(&command("docker", &words("ps"), &cwd)));
        assert!(Pattern::new("/usr/bin/docker rm").unwrap().matches(&command("docker", &words("rm"), &cwd)));
    }

    #[test]
    fn patterns_hold_for_synonyms_and_drop_in_programs() {
        let cwd = Cwd::unknown();
        let namespace = Pattern::new("kubectl delete namespace").unwrap();
        for args in ["delete ns prod", "delete ns/prod", "delete namespace,deployment prod", "delete projects x"] {
            assert!(namespace.matches(&command("kubectl", &words(args), &cwd)), "{args}");
            assert!(namespace.matches(&command("oc", &words(args), &cwd)), "{args}");
        }
        assert!(!namespace.matches(&command("kubectl", &words("delete pod x"), &cwd)));
        let destroy = Pattern::new("terraform destroy").unwrap();
        assert!(destroy.matches(&command("terraform", &words("apply -destroy"), &cwd)));
        assert!(destroy.matches(&command("terragrunt", &words("run-all destroy"), &cwd)));
        assert!(!destroy.matches(&command("terraform", &words("apply"), &cwd)));
    }

    #[test]
    fn flags_match_in_clusters() {
        assert!(has_flag(&words("-rf x"), "-f"));
        assert!(has_flag(&words("--force=yes"), "--force"));
        assert!(has_flag(&words("--FORCE"), "--force"));
        assert!(!has_flag(&words("--fast"), "-f"));
        assert!(!has_flag(&words("file"), "-f"));
    }
}
