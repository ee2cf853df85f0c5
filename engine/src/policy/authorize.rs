//! One tool call → one decision, by asking Cedar up to three questions.
//!
//! `invoke` (hard deny and grants; a denial here is final), `auto_run` (may it run
//! without asking?) and `ask` (is there a human to ask?). Rust computes the inputs —
//! the audience, the hard-deny evidence, whether a persisted approval covers the
//! call — and orders the questions; every answer is Cedar's, and every decision names
//! the policies that made it. An evaluation error anywhere denies.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use cedar_policy::{
    Context, Decision as CedarDecision, EntityId, EntityTypeName, EntityUid, PolicySet, Request, RestrictedExpression,
};

use super::explain;
use super::generate::Action;
use super::slices::{FactValues, Principal, Slice};
use super::tool_name::ToolName;
use super::{CompiledPolicy, PolicyKind, PolicyRecord, StaticPolicy};
use crate::config::{ApprovalEntry, Audience, GrantMode, ShellMatch, is_plain_name};
use crate::decision::{AuthorizeRequest, Decision, Effect, Layer, Outcome, Ruling, SlackContext};
use crate::hard_deny::{HardDenyMatch, ShellEnv, ShellVerdict, check_file_path, check_shell, file_tool_access};
use crate::json_pointer;
use crate::paths::{ProtectedPaths, canonical, home_prefix, proc_cwd, scope_root};
use crate::reason::ReasonCode;
use crate::shell::{Cwd, Invocation, Segment};

use super::grants::SessionGrants;

/// Entity uids built once per compile, so a decision only builds the resource's.
#[derive(Debug)]
pub(crate) struct Uids {
    public: EntityUid,
    team: EntityUid,
    personal: EntityUid,
    invalid: EntityUid,
    invoke: EntityUid,
    auto_run: EntityUid,
    ask: EntityUid,
    ingress: EntityUid,
    tool: EntityTypeName,
    mcp_tool: EntityTypeName,
    server: EntityTypeName,
    user: EntityTypeName,
    channel: EntityTypeName,
}

impl Uids {
    pub(super) fn new() -> Result<Self, String> {
        let name = |n: &str| n.parse::<EntityTypeName>().map_err(|e| e.to_string());
        let uid = |t: &EntityTypeName, id: &str| EntityUid::from_type_name_and_id(t.clone(), EntityId::new(id));
        let audience = name("Netclaw::Audience")?;
        let action = name("Netclaw::Action")?;
        Ok(Self {
            public: uid(&audience, Audience::Public.as_str()),
            team: uid(&audience, Audience::Team.as_str()),
            personal: uid(&audience, Audience::Personal.as_str()),
            invalid: uid(&audience, "invalid"),
            invoke: uid(&action, Action::Invoke.id()),
            auto_run: uid(&action, Action::AutoRun.id()),
            ask: uid(&action, Action::Ask.id()),
            ingress: uid(&action, Action::Ingress.id()),
            tool: name("Netclaw::Tool")?,
            mcp_tool: name("Netclaw::McpTool")?,
            server: name("Netclaw::McpServer")?,
            user: name("Netclaw::SlackUser")?,
            channel: name("Netclaw::SlackChannel")?,
        })
    }

    fn audience(&self, principal: Principal) -> &EntityUid {
        match principal {
            Some(Audience::Public) => &self.public,
            Some(Audience::Team) => &self.team,
            Some(Audience::Personal) => &self.personal,
            None => &self.invalid,
        }
    }

    /// The context attributes every tool call has (see `CompiledPolicy::context`).
    fn tool_call(&self, server: &str, interactive: bool, approved: bool) -> Vec<(String, RestrictedExpression)> {
        let server = EntityUid::from_type_name_and_id(self.server.clone(), EntityId::new(server));
        vec![
            ("server".to_owned(), RestrictedExpression::new_entity_uid(server)),
            ("interactive".to_owned(), RestrictedExpression::new_bool(interactive)),
            ("approvedAlways".to_owned(), RestrictedExpression::new_bool(approved)),
        ]
    }

    fn action(&self, action: Action) -> &EntityUid {
        match action {
            Action::Invoke => &self.invoke,
            Action::AutoRun => &self.auto_run,
            Action::Ask => &self.ask,
            Action::Ingress => &self.ingress,
        }
    }
}

/// The contexts of calls without hard-deny evidence or a path, for every server the
/// config names (and first-party tools, server ""): built once per compile, as the
/// uids are, since a context costs a tenth of a decision to build.
#[derive(Debug, Default)]
pub(crate) struct Contexts {
    /// By server; indexed by `approved * 2 + interactive`.
    by_server: std::collections::HashMap<String, [Context; 4]>,
}

impl Contexts {
    pub(super) fn build<'s>(uids: &Uids, servers: impl Iterator<Item = &'s str>) -> Result<Self, String> {
        let mut by_server = std::collections::HashMap::new();
        for server in servers {
            let context = |index: usize| {
                Context::from_pairs(uids.tool_call(server, index & 1 == 1, index & 2 == 2)).map_err(|e| e.to_string())
            };
            by_server.insert(server.to_owned(), [context(0)?, context(1)?, context(2)?, context(3)?]);
        }
        Ok(Contexts { by_server })
    }

    fn get(&self, server: &str, interactive: bool, approved: bool) -> Option<Context> {
        let contexts = self.by_server.get(server)?;
        contexts.get(usize::from(approved) * 2 + usize::from(interactive)).cloned()
    }
}

/// One Cedar question: `audience` (`None`: the invalid audience) asks `action` on `tool`.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    pub audience: Option<Audience>,
    pub action: Action,
    pub tool: &'a str,
    pub interactive: bool,
    pub approved_always: bool,
    /// Hard-deny evidence at this layer, if any.
    pub hard_deny: Option<Layer>,
}

/// One Cedar answer: allowed?, the policies that decided, and any evaluation errors.
#[derive(Debug, Clone)]
struct Answer {
    allowed: bool,
    policies: Vec<String>,
    errors: Vec<String>,
}

/// Everything known about a call before Cedar is asked.
struct Facts<'r> {
    request: &'r AuthorizeRequest,
    tool: ToolName,
    /// `tool`'s canonical id, made once: each question and lookup names the tool by it.
    tool_id: String,
    principal: Principal,
    audience_sources: Vec<String>,
    evidence: Option<HardDenyMatch>,
    /// The persisted grant covering the call: file and pointer.
    approval: Option<String>,
    /// For a file tool: the path it touches ("" when unknown) and whether that is in
    /// the session's own directory.
    file: Option<(String, bool)>,
}

static DECISIONS: AtomicU64 = AtomicU64::new(0);

/// How many Cedar questions a config generation remembers the answers to.
const MEMO_CAPACITY: usize = 65_536;

/// What Cedar is asked about a call: everything its answers depend on. The shell and
/// file tools do their own analysis first; what reaches Cedar is only whether it
/// found a hard-deny, so every tool shares one cache of answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CedarQuestion {
    principal: Principal,
    tool: String,
    interactive: bool,
    approved_always: bool,
    hard_deny: Option<Layer>,
    file: Option<(String, bool)>,
}

/// See [`CompiledPolicy::call_class`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CallClass<'p> {
    audience: Audience,
    server: String,
    /// `None`: the tool is not in the entity store.
    ancestors: Option<Vec<&'p EntityUid>>,
    interactive: bool,
    approved: bool,
}

/// Everything a ruling depends on besides the config generation, for a call without
/// hard-deny evidence, as one run of bytes: two calls that agree on all of it get the
/// same ruling, word for word. One allocation, so a lookup compares one block of
/// memory rather than chasing a pointer per field.
fn ruling_key(facts: &Facts<'_>, admitted_by: &[String]) -> Vec<u8> {
    fn text(key: &mut Vec<u8>, text: &str) {
        key.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_le_bytes());
        key.extend_from_slice(text.as_bytes());
    }
    fn texts(key: &mut Vec<u8>, texts: &[String]) {
        key.extend_from_slice(&u32::try_from(texts.len()).unwrap_or(u32::MAX).to_le_bytes());
        texts.iter().for_each(|t| text(key, t));
    }
    let request = facts.request;
    let mut key = Vec::with_capacity(64 + request.tool.len() + request.channel.len());
    let principal = facts.principal.map_or(0, |a| 1 + a as u8);
    key.extend_from_slice(&[principal, u8::from(request.interactive)]);
    text(&mut key, &request.tool);
    text(&mut key, &request.channel);
    texts(&mut key, &facts.audience_sources);
    texts(&mut key, admitted_by);
    match &facts.approval {
        Some(cited) => {
            key.push(1);
            text(&mut key, cited);
        }
        None => key.push(0),
    }
    match &facts.file {
        Some((path, inside)) => {
            key.extend_from_slice(&[1, u8::from(*inside)]);
            text(&mut key, path);
        }
        None => key.push(0),
    }
    key
}

/// Remembered rulings by [`ruling_key`], hashed with a per-process key: the texts in
/// a key come from the agent, which must not be able to make them collide.
pub(crate) type Rulings = HashMap<Box<[u8]>, Arc<Ruling>>;

/// The channel ACL's answers by [`channel_key`]: the policies that admit a message,
/// or the ruling that denies it. Slack is how most calls arrive, and a denial's
/// ruling depends on nothing else, so a repeated one is shared like any other.
pub(crate) type ChannelAnswers = HashMap<Box<[u8]>, Result<Arc<[String]>, Arc<Ruling>>>;

/// Everything the channel ACL's answer depends on, as one run of bytes.
fn channel_key(slack: Option<&SlackContext>, audience: Option<Audience>) -> Vec<u8> {
    let mut key = vec![audience.map_or(0, |a| 1 + a as u8)];
    if let Some(slack) = slack {
        for text in [&slack.channel_id, &slack.user_id] {
            key.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_le_bytes());
            key.extend_from_slice(text.as_bytes());
        }
        key.extend_from_slice(&[1, u8::from(slack.is_dm), u8::from(slack.mentioned)]);
    }
    key
}

/// Cedar's answers to a call's questions, in the order they are asked; a later one
/// only when the earlier ones leave the call open.
#[derive(Debug, Clone)]
pub(crate) struct CedarAnswers {
    invoke: Answer,
    auto_run: Option<Answer>,
    ask: Option<Answer>,
}

pub(crate) type Answers = Result<CedarAnswers, Vec<String>>;

/// This process's id, read once: `getpid` is a system call, and every decision
/// needs it.
static PROCESS: std::sync::LazyLock<u32> = std::sync::LazyLock::new(std::process::id);

/// Unique per process and time; decisions are looked up by it in the audit log.
pub(crate) fn new_decision_id() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let count = DECISIONS.fetch_add(1, Ordering::Relaxed);
    format!("dec_{nanos:x}_{:x}_{count:x}", *PROCESS)
}

impl Facts<'_> {
    /// What the words of a decision are about; `decided_by` is the config key of the
    /// policy that decided.
    fn subject<'a>(&'a self, policy: &'a CompiledPolicy, decided_by: Option<&'a str>) -> explain::Subject<'a> {
        let path = self.file.as_ref().map(|(path, _)| path.as_str());
        let allowed_tools = self.principal.map(|a| policy.config.tools.audience_profiles.get(a)).and_then(|profile| {
            (profile.tools_mode == GrantMode::Allowlist).then_some(profile.allowed_tools.as_slice())
        });
        explain::Subject {
            audience: self.principal,
            tool: &self.tool,
            name: &self.request.tool,
            path,
            channel: &self.request.channel,
            allowed_tools,
            decided_by,
        }
    }
}

impl CompiledPolicy {
    /// Decides one call. Cedar's answers are remembered per question for this config
    /// generation; the analysis before them (the shell, paths) runs every time, and
    /// each decision gets its own id.
    pub fn authorize(&self, request: &AuthorizeRequest) -> Decision {
        self.authorize_with(request, true, None, None)
    }

    /// Decides one call of a session in which an approver answered `approve_session`:
    /// those answers count as persisted approvals, for this session only.
    pub fn authorize_in_session(&self, request: &AuthorizeRequest, session: &SessionGrants) -> Decision {
        self.authorize_with(request, true, None, Some(session))
    }

    /// Decides one call, asking Cedar every time.
    pub fn authorize_uncached(&self, request: &AuthorizeRequest) -> Decision {
        self.authorize_with(request, false, None, None)
    }

    /// Decides one call as this audience, whatever the channel says: for probes that
    /// ask what an audience may do, where that audience is nobody's configuration.
    pub(crate) fn authorize_as(&self, audience: Audience, request: &AuthorizeRequest) -> Decision {
        self.authorize_with(request, true, Some(audience), None)
    }

    fn authorize_with(
        &self,
        request: &AuthorizeRequest,
        remember: bool,
        fixed: Option<Audience>,
        session: Option<&SessionGrants>,
    ) -> Decision {
        // `ſhell_execute`, `shell_execute ` and a zero-width space are other names to
        // every rule here, and may be the same tool to a runtime that folds or trims.
        if !is_plain_name(&request.tool) {
            let message =
                format!("{:?} is not a tool name netclaw can match: names are ASCII, without spaces", request.tool);
            let remediation = Some("call the tool by its exact name".to_owned());
            let reason = Some(ReasonCode::ToolNotAllowedForAudienceProfile);
            return Decision::new(ruling(
                Effect::Deny,
                None,
                Layer::ToolAccessGrant,
                reason,
                message,
                vec![],
                vec!["request".into()],
                remediation,
            ));
        }
        let (audience, audience_sources) = match fixed {
            Some(audience) => (Ok(Some(audience)), Vec::new()),
            None => self.resolve_audience(request),
        };
        let mut admitted_by = Vec::new();
        if request.channel.eq_ignore_ascii_case("slack") {
            match self.channel_answer(request.slack.as_ref(), audience.ok().flatten(), remember) {
                Ok(policies) => admitted_by = policies,
                Err(denied) => return Decision { decision_id: new_decision_id(), ruling: denied },
            }
        }
        let facts = self.facts(request, audience.unwrap_or(None), audience_sources, session);
        // A ruling that quotes hard-deny evidence (the command) is not worth keeping.
        if !remember || facts.evidence.is_some() {
            return Decision::new(self.ruling(&facts, remember, admitted_by));
        }
        let key = ruling_key(&facts, &admitted_by);
        if let Some(ruling) = self.rulings.read().ok().and_then(|memo| memo.get(key.as_slice()).cloned()) {
            return Decision { decision_id: new_decision_id(), ruling };
        }
        let ruling = Arc::new(self.ruling(&facts, remember, admitted_by));
        if let Ok(mut memo) = self.rulings.write() {
            if memo.len() >= MEMO_CAPACITY {
                memo.clear();
            }
            memo.insert(key.into_boxed_slice(), Arc::clone(&ruling));
        }
        Decision { decision_id: new_decision_id(), ruling }
    }

    /// Everything Rust works out about a call before Cedar is asked.
    fn facts<'r>(
        &self,
        request: &'r AuthorizeRequest,
        principal: Principal,
        audience_sources: Vec<String>,
        session: Option<&SessionGrants>,
    ) -> Facts<'r> {
        let tool = ToolName::parse(&request.tool);
        let tool_id = tool.id();
        let (evidence, verdict) = self.evidence(&tool, request);
        let approval = principal.and_then(|audience| {
            let key = (audience, tool_id.clone());
            let persisted = self.approvals.get(&key).map(Vec::as_slice);
            let answered = session.and_then(|s| s.get(&key));
            [persisted, answered].into_iter().flatten().find_map(|e| covering(e, &tool, request, verdict.as_ref()))
        });
        let file = self.file_facts(&tool, request);
        Facts { request, tool, tool_id, principal, audience_sources, evidence, approval, file }
    }

    /// The class of a call made as `audience` outside Slack (a probe): calls of one
    /// class get the same answers from Cedar, so the same effect, layer and reason.
    /// `None` when the call must be asked on its own.
    ///
    /// Cedar tells one MCP tool from another only by an entity literal that names it or
    /// by its ancestors. So two tools of one server, asked of slices that name no MCP
    /// tool (no policy of their own), with the same ancestors, the same approval answer
    /// and no hard-deny evidence, are asked the same questions on the same context.
    pub(crate) fn call_class(&self, request: &AuthorizeRequest, audience: Audience) -> Option<CallClass<'_>> {
        if !is_plain_name(&request.tool) || request.channel.eq_ignore_ascii_case("slack") {
            return None;
        }
        let facts = self.facts(request, Some(audience), Vec::new(), None);
        let ToolName::Mcp { server, .. } = &facts.tool else { return None };
        if facts.evidence.is_some()
            || facts.file.is_some()
            || !self.slices.tells_no_tool_apart(facts.principal, &facts.tool_id, server)
        {
            return None;
        }
        let resource = EntityUid::from_type_name_and_id(self.uids.mcp_tool.clone(), EntityId::new(&facts.tool_id));
        let mut ancestors: Option<Vec<&EntityUid>> = self.entities.ancestors(&resource).map(Iterator::collect);
        ancestors.iter_mut().for_each(|a| a.sort_unstable());
        Some(CallClass {
            audience,
            server: server.clone(),
            ancestors,
            interactive: request.interactive,
            approved: facts.approval.is_some(),
        })
    }

    /// The ruling on a call the channel ACL admitted (by `admitted_by`): that layer
    /// is part of the answer too.
    fn ruling(&self, facts: &Facts<'_>, remember: bool, admitted_by: Vec<String>) -> Ruling {
        let mut ruling = match self.decide(facts, remember) {
            Ok(ruling) => ruling,
            Err(errors) => self.failure(facts, &errors),
        };
        let acl_sources = admitted_by.iter().filter_map(|id| self.record(id)).map(|i| i.source.clone());
        ruling.sources = dedup(acl_sources.chain(ruling.sources).collect());
        ruling.policies = admitted_by.into_iter().chain(ruling.policies).collect();
        ruling
    }

    fn decide(&self, facts: &Facts<'_>, remember: bool) -> Result<Ruling, Vec<String>> {
        let answers = if remember { self.remembered_answers(facts) } else { Arc::new(self.answers(facts)) };
        let answers = answers.as_ref().as_ref().map_err(Clone::clone)?;
        let invoke = &answers.invoke;
        let (Some(auto), true) = (&answers.auto_run, invoke.allowed) else {
            return Ok(self.denial(facts, &invoke.policies));
        };
        if auto.allowed {
            return Ok(self.allowed(facts, [&invoke.policies[..], &auto.policies].concat()));
        }
        let Some(ask) = &answers.ask else { return Err(vec!["the approval question was not asked".to_owned()]) };
        let policies = [&auto.policies[..], &ask.policies].concat();
        Ok(if ask.allowed { self.gated(facts, policies) } else { self.denial(facts, &policies) })
    }

    /// Cedar's answers for this call's question, from memory when it was asked before.
    fn remembered_answers(&self, facts: &Facts<'_>) -> Arc<Answers> {
        let question = CedarQuestion {
            principal: facts.principal,
            tool: facts.tool_id.clone(),
            interactive: facts.request.interactive,
            approved_always: facts.approval.is_some(),
            hard_deny: facts.evidence.as_ref().map(|e| e.layer),
            file: facts.file.clone(),
        };
        if let Some(answers) = self.memo.read().ok().and_then(|memo| memo.get(&question).cloned()) {
            return answers;
        }
        let answers = Arc::new(self.answers(facts));
        if let Ok(mut memo) = self.memo.write() {
            // Bounded: a flood of distinct questions costs memory once, not forever.
            if memo.len() >= MEMO_CAPACITY {
                memo.clear();
            }
            memo.insert(question, Arc::clone(&answers));
        }
        answers
    }

    /// Asks Cedar `invoke`, then `auto_run`, then `ask`, as far as the call stays open.
    fn answers(&self, facts: &Facts<'_>) -> Answers {
        let context = self.context(facts).map_err(|e| vec![e])?;
        let invoke = self.ask_cedar(facts, Action::Invoke, &context)?;
        if !invoke.allowed {
            return Ok(CedarAnswers { invoke, auto_run: None, ask: None });
        }
        let auto_run = self.ask_cedar(facts, Action::AutoRun, &context)?;
        if auto_run.allowed {
            return Ok(CedarAnswers { invoke, auto_run: Some(auto_run), ask: None });
        }
        let ask = self.ask_cedar(facts, Action::Ask, &context)?;
        Ok(CedarAnswers { invoke, auto_run: Some(auto_run), ask: Some(ask) })
    }

    fn ask_cedar(&self, facts: &Facts<'_>, action: Action, context: &Context) -> Result<Answer, Vec<String>> {
        let slice = self.slice(facts, action)?;
        if let Some((allowed, policies)) = &slice.decided {
            // What Cedar would answer, known from the facts alone.
            return Ok(Answer { allowed: *allowed, policies: policies.clone(), errors: Vec::new() });
        }
        let request = self.cedar_request(facts, action, context).map_err(|e| vec![e])?;
        Ok(answer(self.authorizer.is_authorized(&request, &slice.set, &self.entities)))
    }

    /// The slice that decides `action` for this call: by its tool and fact values.
    fn slice(&self, facts: &Facts<'_>, action: Action) -> Result<&Slice, Vec<String>> {
        let values = FactValues {
            hard_deny: facts.evidence.as_ref().map(|e| e.layer),
            approved: facts.approval.is_some(),
            interactive: facts.request.interactive,
        };
        let server = facts.tool.server();
        self.slices.get(facts.principal, action, &facts.tool_id, server, values).map_err(|e| vec![e])
    }

    /// The Cedar request for one question about a call.
    fn cedar_request(&self, facts: &Facts<'_>, action: Action, context: &Context) -> Result<Request, String> {
        let resource_type = match facts.tool {
            ToolName::FirstParty(_) => &self.uids.tool,
            ToolName::Mcp { .. } => &self.uids.mcp_tool,
        };
        let resource = EntityUid::from_type_name_and_id(resource_type.clone(), EntityId::new(&facts.tool_id));
        let principal = self.uids.audience(facts.principal).clone();
        Request::new(principal, self.uids.action(action).clone(), resource, context.clone(), None)
            .map_err(|e| e.to_string())
    }

    /// One Cedar question on the prepared slices, outside any request: what
    /// `policy diff`, `mcp permissions` and the `cedar` CLI cross-check ask.
    pub fn answer(&self, question: &Question<'_>) -> Result<bool, Vec<String>> {
        self.answer_with_policies(question).map(|(allowed, _)| allowed)
    }

    /// [`CompiledPolicy::answer`], with the policies that decided it (Cedar's
    /// determining policies), as a decision would cite them.
    pub fn answer_with_policies(&self, question: &Question<'_>) -> Result<(bool, Vec<String>), Vec<String>> {
        self.on_question(question, |facts| {
            let context = self.context(facts).map_err(|e| vec![e])?;
            let answer = self.ask_cedar(facts, question.action, &context)?;
            if answer.errors.is_empty() { Ok((answer.allowed, answer.policies)) } else { Err(answer.errors) }
        })
    }

    /// A question as the Cedar request netclaw asks and the slice it asks it of: so a
    /// cross-check or a baseline can put the same request to bare Cedar.
    pub fn question_request(&self, question: &Question<'_>) -> Result<(Request, &PolicySet), String> {
        self.on_question(question, |facts| {
            let context = self.context(facts)?;
            let slice = self.slice(facts, question.action).map_err(|e| e.join("; "))?;
            Ok((self.cedar_request(facts, question.action, &context)?, &slice.set))
        })
    }

    /// `with` the facts of a question asked outside any call.
    fn on_question<T>(&self, question: &Question<'_>, with: impl FnOnce(&Facts<'_>) -> T) -> T {
        let tool = ToolName::parse(question.tool);
        let evidence = question.hard_deny.map(|layer| HardDenyMatch { layer, ..explain::missing_command() });
        let approval = question.approved_always.then(|| "question".to_owned());
        let request = AuthorizeRequest {
            channel: "question".to_owned(),
            audience: None,
            slack: None,
            interactive: question.interactive,
            tool: question.tool.to_owned(),
            arguments: serde_json::Map::new(),
            working_directory: None,
            session_directory: None,
            session_id: None,
        };
        // A file tool's path, as for a call with none: "", which no root contains.
        let file = self.file_facts(&tool, &request);
        let facts = Facts {
            request: &request,
            tool_id: tool.id(),
            tool,
            principal: question.audience,
            audience_sources: Vec::new(),
            evidence,
            approval,
            file,
        };
        with(&facts)
    }

    /// The Cedar context of a call: of the schema's `ToolCall`, only what the policies
    /// of the call's slices can read. `tool` is read by none (the resource names the
    /// tool); `hardDeny` only by the forbids that slices keep for calls with evidence;
    /// `filePath` and `inSession` only by the file tools' policies. Building a context
    /// was a fifth of a decision, so what no policy reads is left out, and the context
    /// of a call with neither evidence nor a path is built at compile time. A policy
    /// that read a left-out attribute would be an evaluation error, which denies, and
    /// the test `slices_decide_as_the_full_set` compares every slice on this context
    /// with the full set on the full one.
    fn context(&self, facts: &Facts<'_>) -> Result<Context, String> {
        let server = facts.tool.server().unwrap_or_default();
        let (interactive, approved) = (facts.request.interactive, facts.approval.is_some());
        if facts.evidence.is_none()
            && facts.file.is_none()
            && let Some(context) = self.contexts.get(server, interactive, approved)
        {
            return Ok(context);
        }
        let mut pairs = self.uids.tool_call(server, interactive, approved);
        if let Some(layer) = facts.evidence.as_ref().map(|e| e.layer) {
            let hard_deny = RestrictedExpression::new_record([
                ("operation".to_owned(), RestrictedExpression::new_bool(layer == Layer::OperationHardDeny)),
                ("resource".to_owned(), RestrictedExpression::new_bool(layer == Layer::ResourceHardDeny)),
            ])
            .map_err(|e| e.to_string())?;
            pairs.push(("hardDeny".to_owned(), hard_deny));
        }
        if let Some((path, in_session)) = &facts.file {
            pairs.push(("filePath".to_owned(), RestrictedExpression::new_string(path.clone())));
            pairs.push(("inSession".to_owned(), RestrictedExpression::new_bool(*in_session)));
        }
        Context::from_pairs(pairs).map_err(|e| e.to_string())
    }

    /// The audience `Slack.ChannelAudiences` gives a message, and the key that gives it.
    /// The channel's own entry wins over `dm` (a DM channel can be mapped by its id);
    /// keys compare case-insensitively, and where two spell one key the narrower wins.
    pub(crate) fn channel_mapping(&self, channel_id: &str, is_dm: bool) -> Option<(String, Audience)> {
        let mappings = &self.config.slack.channel_audiences;
        let narrowest = |wanted: &str| {
            mappings.iter().filter(|(key, _)| key.eq_ignore_ascii_case(wanted)).min_by_key(|(_, audience)| **audience)
        };
        let (key, audience) = narrowest(channel_id).or_else(|| if is_dm { narrowest("dm") } else { None })?;
        Some((json_pointer::dotted(&json_pointer::join("/Slack/ChannelAudiences", key)), *audience))
    }

    /// The channel's audience (a Slack mapping may set it), narrowed by the request's.
    /// `Ok(None)`: an audience value netclaw does not know.
    pub(super) fn resolve_audience(&self, request: &AuthorizeRequest) -> (Result<Option<Audience>, ()>, Vec<String>) {
        let mut sources = Vec::new();
        let mut audience = channel_audience(&request.channel);
        if request.channel.eq_ignore_ascii_case("slack")
            && let Some(slack) = &request.slack
            && let Some((source, mapped)) = self.channel_mapping(&slack.channel_id, slack.is_dm)
        {
            audience = mapped;
            sources.push(source);
        }
        let explicit = request.audience.as_deref().map(|a| a.parse::<Audience>().ok());
        match explicit {
            None => (Ok(Some(audience)), sources),
            Some(Some(narrower)) => {
                if narrower < audience {
                    sources.push("request audience".to_owned());
                }
                (Ok(Some(audience.min(narrower))), sources)
            }
            Some(None) => (Ok(None), vec!["request audience".to_owned()]),
        }
    }

    /// `Ok`: the policies that admitted the message; `Err`: the denial.
    /// [`Self::channel_acl`], from memory when `remember` and it was asked before.
    fn channel_answer(
        &self,
        slack: Option<&SlackContext>,
        audience: Option<Audience>,
        remember: bool,
    ) -> Result<Vec<String>, Arc<Ruling>> {
        if !remember {
            return self.channel_acl(slack, audience).map_err(|denied| Arc::new(*denied));
        }
        let key = channel_key(slack, audience);
        if let Some(answer) = self.channel_answers.read().ok().and_then(|memo| memo.get(key.as_slice()).cloned()) {
            return answer.map(|policies| policies.to_vec());
        }
        let answer = self.channel_acl(slack, audience).map(Arc::from).map_err(|denied| Arc::new(*denied));
        if let Ok(mut memo) = self.channel_answers.write() {
            if memo.len() >= MEMO_CAPACITY {
                memo.clear();
            }
            memo.insert(key.into_boxed_slice(), answer.clone());
        }
        answer.map(|policies| policies.to_vec())
    }

    fn channel_acl(
        &self,
        slack: Option<&SlackContext>,
        audience: Option<Audience>,
    ) -> Result<Vec<String>, Box<Ruling>> {
        let Some(slack) = slack.filter(|s| !s.user_id.trim().is_empty() && !s.channel_id.trim().is_empty()) else {
            let reason = ReasonCode::SlackContextMissing;
            let (message, remediation) = explain::channel(reason, None);
            return Err(Box::new(ruling(
                Effect::Deny,
                audience,
                Layer::ChannelAcl,
                Some(reason),
                message,
                vec![],
                vec!["request".into()],
                remediation,
            )));
        };
        let user = EntityUid::from_type_name_and_id(self.uids.user.clone(), EntityId::new(&slack.user_id));
        let channel = EntityUid::from_type_name_and_id(self.uids.channel.clone(), EntityId::new(&slack.channel_id));
        let context = Context::from_pairs([
            ("isDm".to_owned(), RestrictedExpression::new_bool(slack.is_dm)),
            ("mentioned".to_owned(), RestrictedExpression::new_bool(slack.mentioned)),
        ]);
        let request = context.map_err(|e| e.to_string()).and_then(|context| {
            Request::new(user, self.uids.action(Action::Ingress).clone(), channel, context, None)
                .map_err(|e| e.to_string())
        });
        let answer = match request {
            Ok(request) => answer(self.authorizer.is_authorized(&request, self.slices.ingress(), &self.entities)),
            Err(error) => Answer { allowed: false, policies: vec![], errors: vec![error] },
        };
        if answer.allowed && answer.errors.is_empty() {
            return Ok(answer.policies);
        }
        let (infos, reason) = self.deciding(&answer.policies, None);
        let reason = reason.unwrap_or(ReasonCode::SlackChannelNotAllowed);
        let (message, remediation) = explain::channel(reason, Some(slack));
        let sources = infos.iter().map(|(_, info)| info.source.clone()).collect();
        Err(Box::new(ruling(
            Effect::Deny,
            audience,
            Layer::ChannelAcl,
            Some(reason),
            message,
            answer.policies,
            sources,
            remediation,
        )))
    }

    /// Hard-deny evidence: shell analysis for `shell_execute`, protected paths for file tools.
    pub(super) fn evidence(
        &self,
        tool: &ToolName,
        request: &AuthorizeRequest,
    ) -> (Option<HardDenyMatch>, Option<ShellVerdict>) {
        let env = ShellEnv { paths: &self.paths, working_directory: request.absolute_working_directory() };
        let ToolName::FirstParty(name) = tool else { return (None, None) };
        if name == crate::config::SHELL_TOOL {
            let command = request.arguments.get("command").and_then(|c| c.as_str());
            let Some(command) = command else {
                return (Some(explain::missing_command()), None);
            };
            let verdict = check_shell(command, &self.hard_deny, &env);
            return (verdict.denial().cloned(), Some(verdict));
        }
        let evidence = match path_arguments(&request.arguments) {
            Ok(paths) => paths.into_iter().find_map(|p| check_file_path(name, p, &env)),
            Err(key) => file_tool_access(name).map(|_| explain::unreadable_path_argument(key)),
        };
        (evidence, None)
    }

    /// For a file tool, the path its `ReadFiles` / `WriteFiles` scope is checked on: its
    /// path argument (else the working directory) resolved as the hard-deny layer
    /// resolves it, so `..` and links cannot step outside a root. "" when it cannot be
    /// known, which no root contains.
    fn file_facts(&self, tool: &ToolName, request: &AuthorizeRequest) -> Option<(String, bool)> {
        let ToolName::FirstParty(name) = tool else { return None };
        file_tool_access(name)?;
        let cwd = request.absolute_working_directory();
        // One path argument is the path; none means the working directory; several (or
        // one that is not text) cannot be placed as one, so no root contains them.
        let raw = match path_arguments(&request.arguments).as_deref() {
            Ok([path]) => Some(*path),
            Ok([]) => cwd.and_then(Path::to_str),
            _ => None,
        };
        let Some(path) = raw.and_then(|raw| scope_path(&self.paths, raw, cwd)) else {
            return Some((String::new(), false));
        };
        let session = request.session_directory.as_deref().and_then(|s| scope_root(s, None));
        let in_session = session.is_some_and(|session| path.starts_with(session));
        Some((path.to_string_lossy().into_owned(), in_session))
    }

    /// The deciding policies with their annotations, earliest layer first, and the
    /// most specific reason among those at the earliest layer.
    fn deciding<'a>(
        &'a self,
        policies: &[String],
        evidence: Option<&HardDenyMatch>,
    ) -> (Vec<(String, &'a PolicyRecord)>, Option<ReasonCode>) {
        let mut infos: Vec<(String, &PolicyRecord)> =
            policies.iter().filter_map(|id| self.record(id).map(|info| (id.clone(), info))).collect();
        infos.sort_by_key(|(id, info)| (info.layer, explain::priority(info.reason), id.clone()));
        let first = infos.first().map(|(_, info)| info);
        let reason = match first.map(|info| info.layer) {
            Some(Layer::OperationHardDeny | Layer::ResourceHardDeny) => evidence.map(|e| e.reason_code),
            _ => first.and_then(|info| info.reason),
        };
        (infos, reason)
    }

    fn denial(&self, facts: &Facts<'_>, policies: &[String]) -> Ruling {
        let (infos, reason) = self.deciding(policies, facts.evidence.as_ref());
        let layer = infos.first().map_or(Layer::ToolAccessGrant, |(_, info)| info.layer);
        let reason = reason.unwrap_or(ReasonCode::ToolNotAllowedForAudienceProfile);
        let decided_by = infos.first().map(|(_, info)| info.source.as_str());
        let subject = facts.subject(self, decided_by);
        let (mut message, remediation) = explain::denial(reason, &subject, facts.evidence.as_ref());
        // Every other reason the call is denied for: fixing one must not look like enough.
        let others: Vec<String> = dedup(
            infos
                .iter()
                .filter_map(|(_, info)| {
                    info.reason.filter(|r| *r != reason).map(|r| format!("`{r}` ({})", info.source))
                })
                .collect(),
        );
        if !others.is_empty() {
            message.push_str(&format!("; also denied by {}", others.join(", ")));
        }
        let mut sources: Vec<String> = match (&facts.evidence, layer) {
            (Some(evidence), Layer::OperationHardDeny | Layer::ResourceHardDeny) => vec![evidence.source.clone()],
            _ => infos.iter().filter(|(_, i)| i.layer == layer).map(|(_, i)| i.source.clone()).collect(),
        };
        sources.extend(facts.audience_sources.iter().cloned());
        let ids = infos.into_iter().map(|(id, _)| id).collect();
        ruling(Effect::Deny, facts.principal, layer, Some(reason), message, ids, dedup(sources), remediation)
    }

    fn allowed(&self, facts: &Facts<'_>, policies: Vec<String>) -> Ruling {
        let (infos, _) = self.deciding(&policies, None);
        // A persisted grant is cited by its entry, not just by its file.
        let generic = facts.approval.as_ref().map(|_| "config/tool-approvals.json");
        let mut sources: Vec<String> =
            infos.iter().map(|(_, i)| i.source.clone()).filter(|s| Some(s.as_str()) != generic).collect();
        sources.extend(facts.approval.iter().cloned());
        sources.extend(facts.audience_sources.iter().cloned());
        let subject = facts.subject(self, None);
        let message = explain::allowed(&subject, facts.approval.as_deref());
        let ids = infos.into_iter().map(|(id, _)| id).collect();
        ruling(Effect::Allow, facts.principal, Layer::ApprovalGate, None, message, ids, dedup(sources), None)
    }

    fn gated(&self, facts: &Facts<'_>, policies: Vec<String>) -> Ruling {
        let (infos, _) = self.deciding(&policies, None);
        // Why it is gated is the config; that someone can be asked is not news.
        let asked = |info: &PolicyRecord| info.kind == PolicyKind::Static(StaticPolicy::ApprovalInteractive);
        let mut sources: Vec<String> = infos.iter().filter(|(_, i)| !asked(i)).map(|(_, i)| i.source.clone()).collect();
        sources.extend(facts.audience_sources.iter().cloned());
        let decided_by = infos.iter().find(|(_, i)| !asked(i)).map(|(_, info)| info.source.as_str());
        let subject = facts.subject(self, decided_by);
        let (message, remediation) = explain::gated(&subject);
        let ids = infos.into_iter().map(|(id, _)| id).collect();
        ruling(
            Effect::ApprovalRequired,
            facts.principal,
            Layer::ApprovalGate,
            None,
            message,
            ids,
            dedup(sources),
            remediation,
        )
    }

    /// Cedar could not evaluate a policy: deny, and say so (fail closed).
    fn failure(&self, facts: &Facts<'_>, errors: &[String]) -> Ruling {
        let reason = ReasonCode::InternalPolicyFailure;
        let message = format!("policy evaluation failed, so the call is denied: {}", errors.join("; "));
        let remediation = Some("this is a netclaw bug: run `netclaw policy validate` and report it".to_owned());
        ruling(
            Effect::Deny,
            facts.principal,
            Layer::ToolAccessGrant,
            Some(reason),
            message,
            vec![],
            vec![],
            remediation,
        )
    }
}

fn answer(response: cedar_policy::Response) -> Answer {
    let diagnostics = response.diagnostics();
    let errors: Vec<String> = diagnostics.errors().map(ToString::to_string).collect();
    Answer {
        // An evaluation error fails closed, even if the remaining policies allowed.
        allowed: response.decision() == CedarDecision::Allow && errors.is_empty(),
        policies: diagnostics.reason().map(ToString::to_string).collect(),
        errors,
    }
}

/// The audience a channel carries before any mapping (REFERENCE: channels).
fn channel_audience(channel: &str) -> Audience {
    let named = |names: &[&str]| names.iter().any(|name| channel.eq_ignore_ascii_case(name));
    if named(&["tui", "signalr", "headless", "console", "manual"]) {
        Audience::Personal
    } else if named(&["slack", "discord", "reminder", "timer"]) {
        Audience::Team
    } else {
        Audience::Public
    }
}

/// The approval among `entries` covering this call, by the name it is cited by (file
/// and pointer, or the answer). A shell command is covered only if every one of its
/// segments is.
fn covering(
    entries: &[(String, ApprovalEntry)],
    tool: &ToolName,
    request: &AuthorizeRequest,
    verdict: Option<&ShellVerdict>,
) -> Option<String> {
    let cite = |index: usize| entries.get(index).map(|(cited, _)| cited.clone());
    if let Some(verdict) = verdict {
        let mut first = None;
        for segment in &verdict.parsed.segments {
            let (words, complete) = match approvable_words(segment) {
                Approvable::Skip => continue,
                Approvable::Words { words, complete } => (words, complete),
                Approvable::No => return None,
            };
            let covering = entries.iter().position(|(_, entry)| match entry {
                ApprovalEntry::Shell(shell) => {
                    runs_within(&segment.cwd, shell.directory.as_deref())
                        && match shell.match_kind {
                            ShellMatch::TokenPrefix => words.starts_with(&shell.verb_tokens),
                            // `rm -rf "$X"` is not the `rm -rf` that was approved.
                            ShellMatch::Exact => complete && words == shell.verb_tokens,
                        }
                }
                ApprovalEntry::Tool(_) => false,
            })?;
            first.get_or_insert(covering);
        }
        return first.and_then(cite);
    }
    let cwd = request.absolute_working_directory().map_or_else(Cwd::unknown, Cwd::at);
    let covering = entries.iter().position(|(_, entry)| match entry {
        ApprovalEntry::Tool(grant) => {
            ToolName::parse(&grant.verb) == *tool && runs_within(&cwd, grant.directory.as_deref())
        }
        ApprovalEntry::Shell(_) => false,
    })?;
    cite(covering)
}

/// How one segment of a command meets an approval.
pub(super) enum Approvable {
    /// Nothing to approve: an empty segment, or a `cd`, which only moves the commands
    /// after it (their directories are checked).
    Skip,
    /// The segment's normalised command words, as approvals record them, up to the
    /// first one only known at run time; `complete` when there is none.
    Words { words: Vec<String>, complete: bool },
    /// No approval can cover it: what runs is only known at run time, or an
    /// assignment, a redirection or a wrapper makes it another command than the one
    /// approved (`LD_PRELOAD=… git status`).
    No,
}

pub(super) fn approvable_words(segment: &Segment) -> Approvable {
    match &segment.invocation {
        // `HOME=/tmp/evil; git status`: an assignment changes what the approved
        // command does (its config, its `PATH`), so it is never nothing.
        Invocation::Empty if segment.assignments.is_empty() && segment.redirects.is_empty() => Approvable::Skip,
        Invocation::Empty => Approvable::No,
        Invocation::Unresolved { .. } => Approvable::No,
        Invocation::Command(resolved) if matches!(resolved.name.as_str(), "cd" | "pushd" | "popd") => Approvable::Skip,
        Invocation::Command(_) if !segment.is_bare() => Approvable::No,
        Invocation::Command(resolved) => match segment.verb_words() {
            None => Approvable::No,
            Some(words) => {
                let complete = words.len() == segment.words.len().saturating_sub(resolved.args()) + 1;
                Approvable::Words { words, complete }
            }
        },
    }
}

/// Whether every directory a command can run in is inside an approval's directory
/// (`None`: everywhere). Both sides are compared without `..`, so `/approved/../etc`
/// is not inside `/approved`; a `cd` the analysis cannot follow leaves nothing covered.
fn runs_within(cwd: &Cwd, directory: Option<&str>) -> bool {
    let Some(directory) = directory else { return true };
    let approved = crate::paths::normalize(Path::new(directory));
    !cwd.unknown && !cwd.dirs.is_empty() && cwd.dirs.iter().all(|dir| dir.starts_with(&approved))
}

/// A file tool's arguments that can name a file: `path`, and any other whose name says
/// so (`file_path`, `destination`, `targetDir`), so a runtime that reads another key
/// than `path` cannot carry a protected path past the check. `Err`: such an argument
/// that is not text (or a list of texts).
fn path_arguments(arguments: &serde_json::Map<String, serde_json::Value>) -> Result<Vec<&str>, &str> {
    const PATH_WORDS: &[&str] = &["path", "file", "dir", "dest", "target", "source", "src"];
    let mut out = Vec::new();
    for (key, value) in arguments {
        let lower = key.to_ascii_lowercase();
        if !PATH_WORDS.iter().any(|word| lower.contains(word)) {
            continue;
        }
        match value {
            serde_json::Value::String(text) => out.push(text.as_str()),
            serde_json::Value::Array(items) => {
                for item in items {
                    out.push(item.as_str().ok_or(key.as_str())?);
                }
            }
            _ => return Err(key),
        }
    }
    Ok(out)
}

/// A file tool's path as the file it names: `~`, the working directory, `..` and links
/// resolved. `None` when that cannot be known (relative with no working directory,
/// another process's `/proc/*/cwd`).
fn scope_path(paths: &ProtectedPaths, raw: &str, cwd: Option<&Path>) -> Option<std::path::PathBuf> {
    if proc_cwd(raw).is_some() {
        return None;
    }
    let (rest, home_relative) = home_prefix(raw);
    paths.resolve(rest, home_relative, cwd).map(|resolved| canonical(&resolved))
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !item.is_empty() && !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[expect(clippy::too_many_arguments, reason = "a ruling has this many parts; each call names them in order")]
fn ruling(
    effect: Effect,
    audience: Option<Audience>,
    layer: Layer,
    reason: Option<ReasonCode>,
    message: String,
    policies: Vec<String>,
    sources: Vec<String>,
    remediation: Option<String>,
) -> Ruling {
    Ruling {
        decision: effect,
        outcome: Outcome::from(effect),
        audience,
        layer,
        reason_code: reason,
        message,
        policies,
        sources,
        remediation,
    }
}
