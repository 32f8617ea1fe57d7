//! `plugin.toml`: what a module is, what it may import, what it stores and
//! indexes, its permissions, sidebar entries, settings and limits. Errors name
//! the field that is wrong and why.

pub mod build;

use std::collections::BTreeMap;

pub mod checks;

use semver::{Version, VersionReq};
use serde::{Deserialize, Serialize};

pub mod settings;

pub use settings::{Declarations, EarlierSettings, Schema as SettingDecl};

/// The newest version of the WIT package `immcase:plugin`: the one the SDK
/// builds against.
pub const HOST_API: Version = Version::new(0, 2, 4);

/// Every version of the contract this host serves at once, oldest first. A
/// module built against an earlier compatible version of one of them (0.1.0
/// for 0.1.2) is served by it.
pub static SERVED_HOST_APIS: [Version; 2] = [Version::new(0, 1, 2), HOST_API];

/// The served contract that serves a component built against `built`: the
/// one of the same major version (of the same minor before 1.0) that is not
/// older than it.
///
/// ```
/// use immcase_manifest::{HOST_API, SERVED_HOST_APIS, serving_contract};
/// use semver::Version;
///
/// assert_eq!(serving_contract(&Version::new(0, 1, 0)), Some(&SERVED_HOST_APIS[0]));
/// assert_eq!(serving_contract(&Version::new(0, 2, 0)), Some(&HOST_API));
/// assert_eq!(serving_contract(&Version::new(0, 2, 1)), Some(&HOST_API));
/// assert_eq!(serving_contract(&Version::new(0, 2, 2)), Some(&HOST_API));
/// assert_eq!(serving_contract(&Version::new(0, 2, 3)), Some(&HOST_API));
/// assert_eq!(serving_contract(&Version::new(0, 2, 4)), Some(&HOST_API));
/// assert_eq!(serving_contract(&Version::new(0, 3, 0)), None);
/// ```
pub fn serving_contract(built: &Version) -> Option<&'static Version> {
    SERVED_HOST_APIS.iter().find(|served| {
        served.major == built.major
            && (served.major != 0 || served.minor == built.minor)
            && *built <= **served
    })
}

/// The served contracts in words: `0.1.2 and 0.2.4`.
pub fn served_host_apis() -> String {
    versions_in_words(&SERVED_HOST_APIS)
}

/// Versions in words: `0.1.2, 0.2.0 and 0.2.4` (empty for none).
pub fn versions_in_words(versions: &[Version]) -> String {
    let all: Vec<String> = versions.iter().map(Version::to_string).collect();
    match all.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The WIT interfaces every module may import, declared or not: `log`,
/// `settings` and `practice` (the letterhead, since 0.2.4) give nothing
/// beyond the module's own settings and what its practice prints on its
/// letters.
pub const ALWAYS_ALLOWED_INTERFACES: [&str; 4] = ["types", "log", "settings", "practice"];

/// Largest memory a module may ask for, and longest time per call.
const MAX_MEMORY_MB: u32 = 1024;
const MAX_TIMEOUT_MS: u32 = 60_000;
/// The most kinds of notifications one module may declare.
const MAX_NOTIFICATION_KINDS: usize = 20;
/// The most dashboard panels one module may declare.
const MAX_PANELS: usize = 4;
/// The most public path prefixes, and DAV mounts, of one module.
const MAX_PUBLIC_PREFIXES: usize = 10;
const MAX_DAV_MOUNTS: usize = 4;
/// The folders at the top of the files' WebDAV tree (`/dav/Applicants`,
/// `/dav/Cases`, matched ignoring case): no DAV mount may take their names.
pub const FILE_TREE_FOLDERS: [&str; 2] = ["applicants", "cases"];

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Manifest {
    pub id: String,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub version: Version,
    #[serde(rename = "host-api")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub host_api: VersionReq,
    pub description: String,
    pub capabilities: Capabilities,
    /// Collection → indexed top-level fields.
    pub indexes: BTreeMap<String, Vec<String>>,
    pub permissions: Vec<PermissionDecl>,
    pub nav: Vec<NavEntry>,
    /// What the module shows about an applicant or a case (its notes, its
    /// tickets), linked from the record's page.
    pub tabs: Vec<RecordTab>,
    /// What the module puts on the dashboard (`[[panels]]`).
    pub panels: Vec<DashboardPanel>,
    /// The kinds of notifications it sends (`[[notifications]]`).
    pub notifications: Vec<NotificationKind>,
    /// Path prefixes below the module's API mount that answer `GET` and
    /// `HEAD` without a session (`["/feeds/"]`), called anonymously: for
    /// calendar apps and other clients that cannot sign in (since 0.2.2).
    pub public: Vec<String>,
    /// Mounts the module serves at `/dav/{name}` for clients signed in with
    /// an app password (`["calendars"]` for CalDAV; since 0.2.2).
    pub dav: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: Declarations,
    /// A permission of the module's own whose holders may change its
    /// settings, besides `modules.manage`.
    #[serde(rename = "settings-permission")]
    pub settings_permission: Option<String>,
    /// Where an earlier version kept its settings in its document store.
    #[serde(rename = "earlier-settings")]
    pub earlier_settings: Option<EarlierSettings>,
    pub limits: Limits,
    /// Other modules it needs, by id, with the versions it works with
    /// (`[dependencies]`); the registry's resolver honours them.
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, String>))]
    pub dependencies: BTreeMap<String, VersionReq>,
    /// The module's own action the host calls in every practice that has it
    /// enabled when this version replaces an earlier one, with `{"from",
    /// "to"}` (`upgrade-action`): its data migration. A refusal undoes the
    /// upgrade.
    #[serde(rename = "upgrade-action")]
    pub upgrade_action: Option<String>,
    /// The module's own action the host calls with settings about to be
    /// saved (defaults filled in, every declaration met), for the rules
    /// across fields that declarations cannot say (`settings-check`). It
    /// answers `{"path": "what is wrong", ...}`, empty when they are good;
    /// any entry refuses the save with those fields named.
    #[serde(rename = "settings-check")]
    pub settings_check: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// Collections of the document store.
    #[serde(default)]
    pub store: Vec<String>,
    /// `applicants:read`, `cases:read`.
    #[serde(default)]
    pub records: Vec<String>,
    #[serde(default)]
    pub events: EventCapabilities,
    #[serde(default)]
    pub schedule: bool,
    #[serde(default)]
    pub mail: bool,
    /// The practice's mailboxes and the mail the host fetches for them
    /// (`mailboxes` import; since 0.2.3).
    #[serde(default)]
    pub mailboxes: bool,
    #[serde(default)]
    pub search: bool,
    #[serde(default)]
    pub files: bool,
    /// The practice's people (`directory` import).
    #[serde(default)]
    pub directory: bool,
    /// Actions of other modules it calls: `helpdesk.create-ticket`, or
    /// `helpdesk.*` for all of a module's (`actions` import).
    #[serde(default)]
    pub actions: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventCapabilities {
    /// Names or patterns ending in `.*` the module may emit.
    #[serde(default)]
    pub emit: Vec<String>,
    /// Names or patterns ending in `.*` delivered to `on-event`.
    #[serde(default)]
    pub subscribe: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PermissionDecl {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NavEntry {
    pub label: String,
    /// Below the module's page mount, `/m/{id}`.
    pub path: String,
}

/// A module's page about one applicant or case (`[[tabs]]`), linked from
/// the record's page for people who may reach the module.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordTab {
    /// `applicant` or `case`.
    pub record: String,
    /// 1 to 40 characters, e.g. `Notes`.
    pub label: String,
    /// Below the module's page mount, with `{id}` where the record's id
    /// goes: `/?subject=case:{id}`.
    pub path: String,
}

/// A panel of the dashboard (`[[panels]]`): the host asks the module's page
/// at `path` for it, with the header `X-Immcase-Placement: panel`, and
/// places the HTML it answers under `title`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DashboardPanel {
    /// 1 to 60 characters, e.g. `My tickets`.
    pub title: String,
    /// Below the module's page mount: `/panel/mine`.
    pub path: String,
}

/// A kind of notification a module sends (`[[notifications]]`): people
/// choose per kind whether it also comes by email.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationKind {
    /// The module's id, a dot and a simple name: `helpdesk.assigned`.
    pub kind: String,
    /// What it is about, as people choose it: "A ticket is assigned to me"
    /// (1 to 80 characters).
    pub label: String,
    /// Whether it goes by email for people who have not chosen.
    #[serde(default = "yes")]
    pub email: bool,
}

fn yes() -> bool {
    true
}

impl RecordTab {
    /// The tab's page for the record `id`, below `/m/{module}`.
    ///
    /// ```
    /// let tab = immcase_manifest::RecordTab {
    ///     record: "case".into(),
    ///     label: "Notes".into(),
    ///     path: "/?subject=case:{id}".into(),
    /// };
    /// assert_eq!(tab.path_for("c1"), "/?subject=case:c1");
    /// ```
    pub fn path_for(&self, id: &str) -> String {
        self.path.replace("{id}", id)
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Limits {
    #[serde(default = "default_memory_mb")]
    pub memory_mb: u32,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u32,
    /// The largest request body the host passes to the module (a form with
    /// attached files); at most half its memory (or 1). Requests are otherwise
    /// bounded by the server's own limit.
    #[serde(default = "default_request_mb")]
    pub request_mb: u32,
}

fn default_request_mb() -> u32 {
    1
}

fn default_memory_mb() -> u32 {
    64
}

fn default_timeout_ms() -> u32 {
    2000
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_mb: default_memory_mb(),
            timeout_ms: default_timeout_ms(),
            request_mb: default_request_mb(),
        }
    }
}

/// The file as written, before checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    id: String,
    name: String,
    version: String,
    #[serde(rename = "host-api")]
    host_api: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    capabilities: Capabilities,
    #[serde(default)]
    indexes: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    permissions: Vec<PermissionDecl>,
    #[serde(default)]
    nav: Vec<NavEntry>,
    #[serde(default)]
    tabs: Vec<RecordTab>,
    #[serde(default)]
    panels: Vec<DashboardPanel>,
    #[serde(default)]
    notifications: Vec<NotificationKind>,
    #[serde(default)]
    public: Vec<String>,
    #[serde(default)]
    dav: Vec<String>,
    #[serde(default)]
    settings: Declarations,
    #[serde(default, rename = "settings-permission")]
    settings_permission: Option<String>,
    #[serde(default, rename = "earlier-settings")]
    earlier_settings: Option<EarlierSettings>,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "upgrade-action")]
    upgrade_action: Option<String>,
    #[serde(default, rename = "settings-check")]
    settings_check: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("plugin.toml: {field}: {reason}")]
pub struct ManifestError {
    pub field: String,
    pub reason: String,
}

/// A module needs a host API this server does not provide.
#[derive(Debug, thiserror::Error)]
#[error(
    "module `{module}` needs host API {needs} but this server provides {}",
    served_host_apis()
)]
pub struct HostApiMismatch {
    pub module: String,
    pub needs: VersionReq,
}

/// Why a setting's value is refused, in words that follow the setting's name
/// ("must be a whole number", "at most 10").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SettingRefused(pub String);

fn bad(field: impl Into<String>, reason: impl Into<String>) -> ManifestError {
    ManifestError {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Lowercase letters, digits and inner hyphens; starts with a letter.
pub fn is_module_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_simple_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// `name.part`, or `name.*`: dotted lowercase parts.
fn is_event_pattern(p: &str) -> bool {
    let parts: Vec<&str> = p.split('.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .enumerate()
            .all(|(i, part)| (i == parts.len() - 1 && *part == "*") || is_simple_name(part))
}

/// `{module}.{action}` or `{module}.*`: an action name is lowercase letters,
/// digits and hyphens, like a module id.
fn is_action_pattern(p: &str) -> bool {
    p.split_once('.').is_some_and(|(module, action)| {
        is_module_id(module) && (action == "*" || is_module_id(action))
    })
}

/// Whether an event name matches a pattern (`a.b` or `a.*`).
pub fn event_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

impl Capabilities {
    /// The capabilities in words an administrator can weigh, one line each
    /// (Settings → Modules and the consent before installing show them).
    pub fn in_words(&self) -> Vec<String> {
        let mut words = Vec::new();
        if !self.store.is_empty() {
            words.push(format!("Keeps its own data ({})", self.store.join(", ")));
        }
        for r in &self.records {
            words.push(match r.as_str() {
                "applicants:read" => "Reads applicants".to_string(),
                "cases:read" => "Reads cases".to_string(),
                other => format!("Records: {other}"),
            });
        }
        if self.files {
            words.push("Attaches and reads files".into());
        }
        if self.search {
            words.push("Adds its records to search".into());
        }
        if !self.events.emit.is_empty() {
            words.push(format!(
                "Announces events ({})",
                self.events.emit.join(", ")
            ));
        }
        if !self.events.subscribe.is_empty() {
            words.push(format!(
                "Reacts to events ({})",
                self.events.subscribe.join(", ")
            ));
        }
        if self.schedule {
            words.push("Sets timers and reminders".into());
        }
        if self.mail {
            words.push("Sends email".into());
        }
        if self.mailboxes {
            words.push("Reads the practice's mailboxes and the mail fetched for them".into());
        }
        if self.directory {
            words.push("Sees the practice's people".into());
        }
        if !self.actions.is_empty() {
            words.push(format!(
                "Calls actions of other modules ({})",
                self.actions.join(", ")
            ));
        }
        words
    }
}

impl Manifest {
    /// How clients without a session reach the module, in words: its public
    /// paths and DAV mounts.
    pub fn reach_in_words(&self) -> Vec<String> {
        let mut words = Vec::new();
        if !self.public.is_empty() {
            let paths: Vec<String> = self
                .public
                .iter()
                .map(|p| format!("/api/v1/m/{}{p}", self.id))
                .collect();
            words.push(format!(
                "Answers anyone without signing in ({})",
                paths.join(", ")
            ));
        }
        if !self.dav.is_empty() {
            let mounts: Vec<String> = self.dav.iter().map(|d| format!("/dav/{d}/")).collect();
            words.push(format!(
                "Serves clients signed in with app passwords ({})",
                mounts.join(", ")
            ));
        }
        words
    }

    /// Everything the module asks for, in words.
    pub fn asks_for(&self) -> Vec<String> {
        let mut words = self.capabilities.in_words();
        words.extend(self.reach_in_words());
        words
    }
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let raw: RawManifest = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].lines().count().max(1);
                    format!("line {line}")
                })
                .unwrap_or_else(|| "file".into());
            bad(at, e.message().to_string())
        })?;
        if !is_module_id(&raw.id) {
            return Err(bad(
                "id",
                format!(
                    "{:?} is not a module id: use lowercase letters, digits and inner hyphens, starting with a letter, at most 40",
                    raw.id
                ),
            ));
        }
        if raw.name.trim().is_empty() || raw.name.chars().count() > 60 {
            return Err(bad("name", "give a name of 1 to 60 characters"));
        }
        let version = Version::parse(&raw.version).map_err(|e| {
            bad(
                "version",
                format!("{:?} is not a semver version: {e}", raw.version),
            )
        })?;
        let host_api = VersionReq::parse(&raw.host_api).map_err(|e| {
            bad(
                "host-api",
                format!(
                    "{:?} is not a semver requirement such as \"^0.1\": {e}",
                    raw.host_api
                ),
            )
        })?;
        let mut dependencies = BTreeMap::new();
        for (id, req) in &raw.dependencies {
            let field = format!("dependencies.{id}");
            if !is_module_id(id) {
                return Err(bad(field, "not a module id"));
            }
            if *id == raw.id {
                return Err(bad(field, "a module does not depend on itself"));
            }
            let req = VersionReq::parse(req).map_err(|e| {
                bad(
                    &field,
                    format!("{req:?} is not a semver requirement such as \"^1.2\": {e}"),
                )
            })?;
            dependencies.insert(id.clone(), req);
        }
        for (field, action) in [
            ("upgrade-action", &raw.upgrade_action),
            ("settings-check", &raw.settings_check),
        ] {
            if let Some(action) = action
                && !is_module_id(action)
            {
                return Err(bad(
                    field,
                    format!(
                        "{action:?} is not an action name: lowercase letters, digits and inner hyphens"
                    ),
                ));
            }
        }
        if raw.description.chars().count() > 300 {
            return Err(bad("description", "at most 300 characters"));
        }
        let caps = &raw.capabilities;
        for c in &caps.store {
            if !is_simple_name(c) {
                return Err(bad(
                    "capabilities.store",
                    format!("{c:?} is not a collection name (lowercase letters, digits, _ and -)"),
                ));
            }
        }
        for r in &caps.records {
            if !matches!(r.as_str(), "applicants:read" | "cases:read") {
                return Err(bad(
                    "capabilities.records",
                    format!("{r:?}: use applicants:read or cases:read"),
                ));
            }
        }
        for (list, name) in [
            (&caps.events.emit, "emit"),
            (&caps.events.subscribe, "subscribe"),
        ] {
            for p in list {
                if !is_event_pattern(p) {
                    return Err(bad(
                        format!("capabilities.events.{name}"),
                        format!(
                            "{p:?} is not an event name or pattern like \"notes.created\" or \"notes.*\""
                        ),
                    ));
                }
            }
        }
        for a in &caps.actions {
            if !is_action_pattern(a) {
                return Err(bad(
                    "capabilities.actions",
                    format!(
                        "{a:?} is not an action of another module like \"helpdesk.create-ticket\" or \"helpdesk.*\""
                    ),
                ));
            }
        }
        for (collection, fields) in &raw.indexes {
            if !caps.store.contains(collection) {
                return Err(bad(
                    format!("indexes.{collection}"),
                    "index of a collection not listed in capabilities.store",
                ));
            }
            for (i, f) in fields.iter().enumerate() {
                if !is_simple_name(f) {
                    return Err(bad(
                        format!("indexes.{collection}"),
                        format!("{f:?} is not a top-level field name"),
                    ));
                }
                if fields[..i].contains(f) {
                    return Err(bad(
                        format!("indexes.{collection}"),
                        format!("{f:?} is listed twice"),
                    ));
                }
            }
        }
        for p in &raw.permissions {
            let ok = p
                .name
                .split_once('.')
                .is_some_and(|(m, _)| m == raw.id.replace('-', "_") || m == raw.id)
                && p.name.split('.').skip(1).all(is_simple_name);
            if !ok {
                return Err(bad(
                    "permissions",
                    format!(
                        "{:?}: a module's permissions start with its id, like \"{}.manage\"",
                        p.name, raw.id
                    ),
                ));
            }
        }
        for n in &raw.nav {
            if !n.path.starts_with('/') || n.label.trim().is_empty() {
                return Err(bad(
                    "nav",
                    format!(
                        "entry {:?}: needs a label and a path starting with /",
                        n.label
                    ),
                ));
            }
        }
        for t in &raw.tabs {
            let wrong = !matches!(t.record.as_str(), "applicant" | "case")
                || t.label.trim().is_empty()
                || t.label.chars().count() > 40
                || !t.path.starts_with('/')
                || !t.path.contains("{id}")
                || t.path.len() > 200
                || t.path.contains([' ', '\\', '"', '<', '>'])
                || t.path.contains("..");
            if wrong {
                return Err(bad(
                    "tabs",
                    format!(
                        "tab {:?}: needs record = \"applicant\" or \"case\", a label of 1 to 40 characters and a path starting with / that holds {{id}}",
                        t.label
                    ),
                ));
            }
        }
        for record in ["applicant", "case"] {
            if raw.tabs.iter().filter(|t| t.record == record).count() > 1 {
                return Err(bad(
                    "tabs",
                    format!(
                        "a module shows one tab on a {record}'s page: declare at most one with record = \"{record}\""
                    ),
                ));
            }
        }
        if raw.panels.len() > MAX_PANELS {
            return Err(bad(
                "panels",
                format!("a module puts at most {MAX_PANELS} panels on the dashboard"),
            ));
        }
        for p in &raw.panels {
            let wrong = p.title.trim().is_empty()
                || p.title.chars().count() > 60
                || !p.path.starts_with('/')
                || p.path.len() > 200
                || p.path.contains([' ', '\\', '"', '<', '>'])
                || p.path.contains("..");
            if wrong {
                return Err(bad(
                    "panels",
                    format!(
                        "panel {:?}: needs a title of 1 to 60 characters and a path starting with /",
                        p.title
                    ),
                ));
            }
        }
        if raw.notifications.len() > MAX_NOTIFICATION_KINDS {
            return Err(bad(
                "notifications",
                format!("a module declares at most {MAX_NOTIFICATION_KINDS} kinds"),
            ));
        }
        for (i, n) in raw.notifications.iter().enumerate() {
            let named = n
                .kind
                .split_once('.')
                .is_some_and(|(m, rest)| m == raw.id && is_simple_name(rest));
            if !named || n.label.trim().is_empty() || n.label.chars().count() > 80 {
                return Err(bad(
                    "notifications",
                    format!(
                        "kind {:?}: needs a kind named \"{}.something\" (lowercase letters, digits, _) and a label of 1 to 80 characters",
                        n.kind, raw.id
                    ),
                ));
            }
            if raw.notifications[..i].iter().any(|o| o.kind == n.kind) {
                return Err(bad(
                    "notifications",
                    format!("kind {:?} is declared twice", n.kind),
                ));
            }
        }
        check_public(&raw.public)?;
        check_dav(&raw.dav)?;
        raw.settings
            .validate("settings")
            .map_err(|m| bad(m.path, m.message))?;
        settings::check_access(
            &raw.id,
            &raw.permissions,
            raw.settings_permission.as_deref(),
            raw.earlier_settings.as_ref(),
        )
        .map_err(|m| bad(m.path, m.message))?;
        let limits = raw.limits;
        if limits.memory_mb == 0 || limits.memory_mb > MAX_MEMORY_MB {
            return Err(bad("limits.memory-mb", format!("use 1 to {MAX_MEMORY_MB}")));
        }
        if limits.timeout_ms < 10 || limits.timeout_ms > MAX_TIMEOUT_MS {
            return Err(bad(
                "limits.timeout-ms",
                format!("use 10 to {MAX_TIMEOUT_MS}"),
            ));
        }
        let most_request_mb = (limits.memory_mb / 2).max(1);
        if limits.request_mb == 0 || limits.request_mb > most_request_mb {
            return Err(bad(
                "limits.request-mb",
                format!("use 1 to {most_request_mb}, half the module's memory (memory-mb)"),
            ));
        }
        Ok(Manifest {
            id: raw.id,
            name: raw.name.trim().to_string(),
            version,
            host_api,
            description: raw.description,
            capabilities: raw.capabilities,
            indexes: raw.indexes,
            permissions: raw.permissions,
            nav: raw.nav,
            tabs: raw.tabs,
            panels: raw.panels,
            notifications: raw.notifications,
            public: raw.public,
            dav: raw.dav,
            settings: raw.settings,
            settings_permission: raw.settings_permission,
            earlier_settings: raw.earlier_settings,
            limits,
            dependencies,
            upgrade_action: raw.upgrade_action,
            settings_check: raw.settings_check,
        })
    }

    /// Whether this host serves a contract the module asks for; the error
    /// names the versions on both sides.
    pub fn check_host_api(&self) -> Result<(), HostApiMismatch> {
        if SERVED_HOST_APIS.iter().any(|v| self.host_api.matches(v)) {
            Ok(())
        } else {
            Err(HostApiMismatch {
                module: self.id.clone(),
                needs: self.host_api.clone(),
            })
        }
    }

    /// The WIT interfaces the manifest lets the module import: those of
    /// [`ALWAYS_ALLOWED_INTERFACES`] and those its capabilities grant.
    pub fn allowed_interfaces(&self) -> Vec<&'static str> {
        let c = &self.capabilities;
        let mut allowed = ALWAYS_ALLOWED_INTERFACES.to_vec();
        for (on, name) in [
            (!c.store.is_empty(), "store"),
            (!c.records.is_empty(), "records"),
            (c.files, "files"),
            (c.search, "search"),
            (!c.events.emit.is_empty(), "events"),
            (c.schedule, "schedule"),
            (c.mail, "mail"),
            (c.mailboxes, "mailboxes"),
            (c.directory, "directory"),
            (!c.actions.is_empty(), "actions"),
            (!self.notifications.is_empty(), "notifications"),
        ] {
            if on {
                allowed.push(name);
            }
        }
        allowed
    }

    pub fn may_emit(&self, name: &str) -> bool {
        self.capabilities
            .events
            .emit
            .iter()
            .any(|p| event_matches(p, name))
    }

    /// Whether the manifest lists the action `name` of `module`.
    pub fn may_call(&self, module: &str, name: &str) -> bool {
        self.capabilities.actions.iter().any(|a| {
            a.split_once('.')
                .is_some_and(|(m, n)| m == module && (n == "*" || n == name))
        })
    }

    /// Whether `path` (below the module's API mount, starting with `/`) is
    /// under one of its public prefixes. A path with a `.` or `..` segment
    /// never is: it could name something outside the prefix once resolved.
    ///
    /// ```
    /// let m = immcase_manifest::Manifest::parse(
    ///     "id = \"diary\"\nname = \"Diary\"\nversion = \"1.0.0\"\nhost-api = \"^0.2.2\"\npublic = [\"/feeds/\"]",
    /// ).unwrap();
    /// assert!(m.is_public("/feeds/k3y/personal.ics"));
    /// assert!(!m.is_public("/feeds"));
    /// assert!(!m.is_public("/events"));
    /// assert!(!m.is_public("/feeds/../events"));
    /// ```
    pub fn is_public(&self, path: &str) -> bool {
        self.public
            .iter()
            .any(|prefix| path.starts_with(prefix.as_str()))
            && !path.split('/').any(|s| s == "." || s == "..")
    }

    /// Whether the module serves the DAV mount `name` (`/dav/{name}`).
    pub fn serves_dav(&self, name: &str) -> bool {
        self.dav.iter().any(|d| d == name)
    }

    pub fn subscribes_to(&self, name: &str) -> bool {
        self.capabilities
            .events
            .subscribe
            .iter()
            .any(|p| event_matches(p, name))
    }

    /// The module's settings with every default filled in.
    pub fn default_settings(&self) -> serde_json::Map<String, serde_json::Value> {
        self.settings.defaults()
    }
}

/// Public prefixes: at most 10, each starting and ending with `/` and
/// naming a folder below the mount (not `/` itself), in plain path
/// characters.
fn check_public(public: &[String]) -> Result<(), ManifestError> {
    if public.len() > MAX_PUBLIC_PREFIXES {
        return Err(bad(
            "public",
            format!("a module has at most {MAX_PUBLIC_PREFIXES} public path prefixes"),
        ));
    }
    for p in public {
        let plain = p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.' | '~'));
        let wrong = p.len() < 3
            || p.len() > 200
            || !p.starts_with('/')
            || !p.ends_with('/')
            || p.contains("//")
            || !plain
            || p.split('/').any(|s| s == "." || s == "..");
        if wrong {
            return Err(bad(
                "public",
                format!(
                    "{p:?}: a public prefix is a folder below the module's API mount that starts and ends with /, like \"/feeds/\""
                ),
            ));
        }
    }
    Ok(())
}

/// DAV mounts: at most 4 distinct names of lowercase letters, digits and
/// inner hyphens, none of them a folder of the files' tree.
fn check_dav(dav: &[String]) -> Result<(), ManifestError> {
    if dav.len() > MAX_DAV_MOUNTS {
        return Err(bad(
            "dav",
            format!("a module serves at most {MAX_DAV_MOUNTS} DAV mounts"),
        ));
    }
    for (i, name) in dav.iter().enumerate() {
        if !is_module_id(name) {
            return Err(bad(
                "dav",
                format!(
                    "{name:?} is not a mount name: use lowercase letters, digits and inner hyphens, like \"calendars\""
                ),
            ));
        }
        if FILE_TREE_FOLDERS.contains(&name.as_str()) {
            return Err(bad(
                "dav",
                format!(
                    "{name:?} is a folder of the files' WebDAV tree (/dav/{name}): choose another name"
                ),
            ));
        }
        if dav[..i].contains(name) {
            return Err(bad("dav", format!("{name:?} is listed twice")));
        }
    }
    Ok(())
}

pub fn toml_to_json(v: &toml::Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// Checks one setting value against its declaration.
pub fn check_setting(decl: &SettingDecl, value: &serde_json::Value) -> Result<(), SettingRefused> {
    settings::check_one(decl, value).map_err(|m| SettingRefused(m.message))
}

#[cfg(test)]
mod tests;
