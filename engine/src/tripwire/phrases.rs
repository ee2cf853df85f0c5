//! The phrases an injection uses, matched on normalised text (lower case, one space
//! between words). REFERENCE.md's classes with netclaw's risks; the verbs and nouns
//! are kept to the ones an instruction uses, so text *about* security (a password
//! policy, a rotated token, `rm -rf ./build`) does not trip them.

use super::Risk;

pub(super) struct Phrase {
    pub id: &'static str,
    pub risk: Risk,
    pub regex: String,
    /// Whether a negation right before it ("never send your password", "do not
    /// ignore previous instructions") makes it advice rather than an instruction.
    pub negatable: bool,
}

/// A few filler words between the parts of a phrase ("ignore *all of your* previous").
const GAP: &str = r"(?: [\w'-]+){0,4}?";

/// Nouns for what the agent must keep: secrets and the files that hold them.
const SECRET: &str = r"(?:secrets?|tokens?|passwords?|passphrases?|credentials?|api ?keys?|access keys?|private keys?|ssh keys?|\.env\b|env(?:ironment)? var(?:iable)?s|secrets\.json|id[_ ]rsa|keychain)";

pub(super) fn phrases() -> Vec<Phrase> {
    let role_reset = format!(
        r"\b(?:ignore|disregard|forget|override|overrule|discard|drop|abandon|skip){GAP} (?:previous|prior|above|earlier|preceding|foregoing|former|original|initial|existing|system|developer|all|any|your|the)\b{GAP} (?:instructions?|prompts?|rules|directions|guidelines|directives|guidance|context|messages|commands|orders|constraints|programming|training|policies)\b"
    );
    let exfiltrate = format!(
        r"\b(?:send|post|upload|curl|wget|exfiltrate|transmit|leak|beam|smuggle|forward){GAP}(?: [\w@./~:=-]+)? [\w@./~-]*?{SECRET}"
    );
    let exfiltrate_to = format!(
        r"\b{SECRET}\b{GAP} (?:to|at|into) (?:https?://|ftp://|\S+@\S+\.\w+|(?:my|this|the) (?:server|webhook|endpoint|url))"
    );
    let encode = format!(
        r"\b(?:base64|base-64|hex|rot13|rot-13)(?:[- ]?encode[ds]?)?{GAP} {SECRET}|\b(?:encode|encrypt|obfuscate|convert){GAP} {SECRET}{GAP} (?:in|as|to|into|with|using) (?:base ?64|hex|rot ?13)|\b{SECRET}{GAP} (?:as|in|into|to|using) (?:base ?64|hex|rot ?13)\b|\b(?:echo|cat|printf)\b[^|\n]{{0,80}}{SECRET}[^|\n]{{0,40}}\| ?(?:base64|xxd|od)\b"
    );
    vec![
        Phrase { id: "role-reset", risk: Risk::High, regex: role_reset, negatable: true },
        Phrase {
            id: "role-reset",
            risk: Risk::High,
            regex: r"\b(?:forget|disregard|ignore) (?:everything|all|anything|what)(?: (?:you were|you've been|i) (?:told|said|written))? (?:above|before|prior|previously|so far|earlier)\b|\bdisregard (?:the |all )?(?:above|previous|prior|preceding)\b".to_owned(),
            negatable: true,
        },
        Phrase {
            id: "role-reset",
            risk: Risk::High,
            regex: r"\b(?:new|updated|revised|real|actual|true) (?:system )?instructions ?:|\bsystem prompt ?:|<\|im_start\|> ?system|\[/?(?:system|inst)\]|<<sys>>|### ?(?:system|instruction)\b".to_owned(),
            negatable: false,
        },
        Phrase {
            id: "security-override",
            risk: Risk::High,
            regex: r"\b(?:disable|turn off|switch off|deactivate|bypass|circumvent|skip|ignore|override|get around|work around|remove)(?: [\w'-]+){0,3}? (?:safety|security|guardrails?|sandbox(?:ing)?|approvals?|approval (?:gate|step|prompts?)|restrictions|protections|hard[- ]?deny|content (?:filter|policy)|safety (?:checks|filters|rules)|security (?:checks|controls|policy|rules))\b|\b(?:developer|dan|god|jailbreak|unrestricted|do anything now) mode\b|\bjailbreak (?:yourself|the (?:model|assistant|agent))\b".to_owned(),
            negatable: true,
        },
        Phrase { id: "exfiltration", risk: Risk::High, regex: exfiltrate, negatable: true },
        Phrase { id: "exfiltration", risk: Risk::High, regex: exfiltrate_to, negatable: true },
        Phrase {
            id: "privilege-escalation",
            risk: Risk::High,
            regex: r"\bsudo (?:-[is]\b|su\b|bash\b|sh\b|-u root\b)|\bchmod (?:-r )?(?:777|[ugo]?\+s)\b|\b(?:become|run as|escalate to|escalate (?:your )?privileges(?: to)?|gain|grant yourself|give yourself|elevate to|switch to) (?:root|admin|administrator|superuser|sudo)(?: (?:access|privileges|rights))?\b|/etc/(?:sudoers|shadow)\b|\bnopasswd\b".to_owned(),
            negatable: true,
        },
        Phrase {
            id: "destructive-command",
            risk: Risk::High,
            regex: r"\brm -(?:[a-z]*r[a-z]*f|[a-z]*f[a-z]*r)[a-z]* (?:--no-preserve-root )?(?:/|/\*|~/?|\*|\$home)(?: |$)|\bmkfs(?:\.\w+)?\b|\bdd if=|:\(\) ?\{ ?:\|: ?& ?\} ?; ?:|\bformat c:".to_owned(),
            negatable: true,
        },
        Phrase {
            id: "persona",
            risk: Risk::Medium,
            regex: r"\byou are now (?:a|an|the|my|in|no longer)\b|\bact as if you\b|\bpretend (?:to be|you are|that you)\b|\bfrom now on,? you (?:are|will|must)\b|\broleplay as\b|\byou (?:must|will) now (?:act|behave|respond) as\b".to_owned(),
            negatable: false,
        },
        Phrase { id: "secret-encoding", risk: Risk::Medium, regex: encode, negatable: true },
        Phrase {
            id: "config-edit",
            risk: Risk::Medium,
            regex: r"\b(?:edit|modify|change|overwrite|write(?: to)?|update|delete|remove|append(?: to)?|replace|truncate|echo [^\n]{0,80}>>?|tee|sed -i)(?: [\w'./~-]+){0,4}? [\w./~-]*(?:secrets\.json|netclaw\.json|tool-approvals\.json|hard-deny-overrides\.json)\b".to_owned(),
            negatable: true,
        },
        Phrase {
            id: "drop-table",
            risk: Risk::Medium,
            regex: r"\bdrop (?:table|database|schema)\b|\btruncate table\b".to_owned(),
            negatable: true,
        },
        Phrase {
            id: "mass-deletion",
            risk: Risk::Medium,
            regex: r"\b(?:delete|remove|erase|wipe|purge|destroy|trash)(?: out)? (?:all|every|each)(?: (?:of )?(?:the|your|my|their|our|these|those))? (?:files?|emails?|messages?|users?|records?|repos|repositories|data|documents?|backups?|branches|issues|rows|accounts?|channels?|contacts|photos|tables|databases|logs|commits|projects)\b|\b(?:delete|wipe|erase|destroy|purge) everything\b".to_owned(),
            negatable: true,
        },
    ]
}
