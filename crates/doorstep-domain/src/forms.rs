//! Assessment forms as versioned data: definitions, answers, validation and
//! scores.
//!
//! - **Definitions** are JSON files under `forms/` at the workspace root, in
//!   the shape of a FHIR R4 `Questionnaire` (`resourceType`, `id`,
//!   `version`, `name`, `title`, `status`, `item` with `linkId`, `text`,
//!   `type`, `required`, `repeats`, `answerOption[].valueCoding`,
//!   `enableWhen`, `enableBehavior` and child `item`s). They are embedded at
//!   compile time with `include_str!` and parsed once, on first use
//!   ([`builtin`]); nothing is read at run time. Every shipped version stays
//!   installed, so a draft started on an older version still opens,
//!   validates and completes after a newer one ships ([`find`], [`latest`]).
//! - **Ranges**: a numeric item's bounds are FHIR's standard extensions
//!   ([`MIN_VALUE_URL`], [`MAX_VALUE_URL`], `valueInteger` or
//!   `valueDecimal`, inclusive), so every definition is a valid R4
//!   Questionnaire (checked by an independent FHIR model in the test
//!   command); `maxLength` limits text. Other extensions are accepted and
//!   ignored. Plain `minValue`/`maxValue` fields on an item are refused.
//! - **Identity**: a definition is identified by id + version + a *content
//!   hash* ([`FormRef`]): FNV-1a 128-bit over the canonical JSON bytes
//!   (object keys sorted, no insignificant whitespace), as 32 lower-case hex
//!   digits. It is stable across runs and platforms, and changes whenever
//!   the definition's content changes (whitespace and key order do not
//!   count). It is an identity check, not a security control. The limit
//!   extensions are hashed as plain `minValue`/`maxValue` fields, the form
//!   the first versions were written in, so moving a limit into its
//!   extension does not change what a definition is (the responses made
//!   with it still find it).
//! - **Answers** ([`Answers`]) are keyed by *item path*: the item's `linkId`
//!   (link ids are unique in a form, as FHIR requires), prefixed by every
//!   *repeating* group it sits in as `linkId[index].` (non-repeating groups
//!   add nothing). So the rating of the first goal is `goals[0].rating`; a
//!   repeating question itself takes an index (`phones[1]`). Indices start
//!   at 0, are plain decimal (no leading zeros) and may have gaps.
//! - **Problems** name the field by its item path, so the CLI and the UI show
//!   them as they are ([`FieldProblem`](crate::FieldProblem)).
//! - **Scores** (Whooley, GAD-2, EPDS, ASQ-3) follow REFERENCE §3 with
//!   configurable cut-offs ([`FormsConfig`]); see [`scores`].
//!
//! Copyrighted questionnaire wording (ASQ-3, EPDS) is not shipped: the forms
//! record scores (ASQ-3) or the answer chosen by its place on the printed
//! scale (EPDS from version 3) with our own short prompts.

mod answers;
mod extract;
mod scoring;
mod validate;

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use answers::{parse_answer, Answer, Answers, ItemPath, PathStep};
pub use extract::{confirmed_level, goals, level_confirmed, recommended_level, Goal};
pub use scoring::{
    asq_domain_results, asq_interval, asq_zone, epds_item_score, months_and_days, scores,
    AsqCorrection, AsqCutoffs, AsqDomain, AsqDomainResult, AsqDomainValues, AsqIntervalCutoffs,
    AsqZone, FormsConfig, IntervalChoice, Score, ScoreContext, ScoreFlag,
};
pub use validate::{answered_but_not_asked, asked, is_enabled, validate};

/// The exact definition a response was made with.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormRef {
    /// The form's id (e.g. `epds`).
    pub id: String,
    /// Its version (e.g. `1`).
    pub version: String,
    /// Content hash of the definition: FNV-1a 128 over the canonical JSON,
    /// 32 lower-case hex digits.
    pub hash: String,
}

impl std::fmt::Display for FormRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} v{} ({})", self.id, self.version, self.hash)
    }
}

/// A definition that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// Not JSON, or not the expected shape.
    #[error("form definition is not a valid Questionnaire: {0}")]
    Json(String),
    /// Well-formed JSON that breaks a rule of the engine.
    #[error("form definition {form}: {problem}")]
    Invalid {
        /// `id vversion`, or the item's linkId.
        form: String,
        /// What is wrong.
        problem: String,
    },
}

/// What kind of answer an item takes (FHIR `Questionnaire.item.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ItemType {
    /// A group of items; takes no answer itself.
    Group,
    /// Yes or no.
    Boolean,
    /// A number with a fractional part.
    Decimal,
    /// A whole number.
    Integer,
    /// A short line of text.
    String,
    /// Free text, possibly long.
    Text,
    /// A date (YYYY-MM-DD).
    Date,
    /// One code from the item's answer options.
    Choice,
}

impl ItemType {
    /// The FHIR name of this type.
    pub fn code(&self) -> &'static str {
        match self {
            ItemType::Group => "group",
            ItemType::Boolean => "boolean",
            ItemType::Decimal => "decimal",
            ItemType::Integer => "integer",
            ItemType::String => "string",
            ItemType::Text => "text",
            ItemType::Date => "date",
            ItemType::Choice => "choice",
        }
    }
}

/// A coded answer option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Coding {
    /// The code stored in answers.
    pub code: String,
    /// What the user sees.
    #[serde(default)]
    pub display: String,
}

/// One answer option (`answerOption[].valueCoding`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnswerOption {
    /// The option.
    pub value_coding: Coding,
}

/// The comparison in an `enableWhen` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Operator {
    /// The question has (answer `true`) or has no (answer `false`) answer.
    #[serde(rename = "exists")]
    Exists,
    /// Equal.
    #[serde(rename = "=")]
    Eq,
    /// Answered and not equal.
    #[serde(rename = "!=")]
    Ne,
    /// Greater than.
    #[serde(rename = ">")]
    Gt,
    /// Less than.
    #[serde(rename = "<")]
    Lt,
    /// Greater than or equal.
    #[serde(rename = ">=")]
    Ge,
    /// Less than or equal.
    #[serde(rename = "<=")]
    Le,
}

impl Operator {
    /// The FHIR symbol.
    pub fn symbol(&self) -> &'static str {
        match self {
            Operator::Exists => "exists",
            Operator::Eq => "=",
            Operator::Ne => "!=",
            Operator::Gt => ">",
            Operator::Lt => "<",
            Operator::Ge => ">=",
            Operator::Le => "<=",
        }
    }
}

/// One `enableWhen` condition: the item is asked when `question`'s answer
/// compares with `answer` by `operator`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(as = "RawEnableWhen"))]
#[serde(try_from = "RawEnableWhen", into = "RawEnableWhen")]
pub struct EnableWhen {
    /// The linkId of the question it depends on (inside a repeating group,
    /// the same instance of the group).
    pub question: String,
    /// The comparison.
    pub operator: Operator,
    /// The value compared with (`answerBoolean`, `answerInteger`,
    /// `answerDecimal`, `answerString`, `answerDate` or
    /// `answerCoding.code`).
    pub answer: Answer,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawEnableWhen {
    question: String,
    operator: Operator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer_boolean: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer_integer: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer_decimal: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer_string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer_date: Option<chrono::NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer_coding: Option<RawCode>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
struct RawCode {
    code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    display: Option<String>,
}

impl TryFrom<RawEnableWhen> for EnableWhen {
    type Error = String;

    fn try_from(r: RawEnableWhen) -> Result<Self, String> {
        let mut found = Vec::new();
        if let Some(b) = r.answer_boolean {
            found.push(Answer::Bool(b));
        }
        if let Some(i) = r.answer_integer {
            found.push(Answer::Integer(i));
        }
        if let Some(d) = r.answer_decimal {
            found.push(Answer::Decimal(d));
        }
        if let Some(s) = r.answer_string {
            found.push(Answer::Text(s));
        }
        if let Some(d) = r.answer_date {
            found.push(Answer::Date(d));
        }
        if let Some(c) = r.answer_coding {
            found.push(Answer::Coding(c.code));
        }
        if found.len() != 1 {
            return Err(format!(
                "enableWhen on {} needs exactly one answer[x] value",
                r.question
            ));
        }
        Ok(EnableWhen {
            question: r.question,
            operator: r.operator,
            answer: found.remove(0),
        })
    }
}

impl From<EnableWhen> for RawEnableWhen {
    fn from(e: EnableWhen) -> Self {
        let mut r = RawEnableWhen {
            question: e.question,
            operator: e.operator,
            answer_boolean: None,
            answer_integer: None,
            answer_decimal: None,
            answer_string: None,
            answer_date: None,
            answer_coding: None,
        };
        match e.answer {
            Answer::Bool(b) => r.answer_boolean = Some(b),
            Answer::Integer(i) => r.answer_integer = Some(i),
            Answer::Decimal(d) => r.answer_decimal = Some(d),
            Answer::Text(s) => r.answer_string = Some(s),
            Answer::Date(d) => r.answer_date = Some(d),
            Answer::Coding(code) => {
                r.answer_coding = Some(RawCode {
                    code,
                    system: None,
                    display: None,
                })
            }
        }
        r
    }
}

/// How several `enableWhen` conditions combine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum EnableBehavior {
    /// Every condition must hold (the default with one condition).
    #[default]
    All,
    /// At least one condition must hold.
    Any,
}

/// One item of a form: a question or a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Item {
    /// Unique id within the form; answers are keyed by it (see the module
    /// docs for paths inside repeating groups).
    pub link_id: String,
    /// The prompt (our own wording).
    #[serde(default)]
    pub text: String,
    /// Answer type.
    #[serde(rename = "type")]
    pub item_type: ItemType,
    /// Must be answered (when asked) before the response completes.
    #[serde(default)]
    pub required: bool,
    /// A group that can occur several times (or a question with several
    /// answers).
    #[serde(default)]
    pub repeats: bool,
    /// The codes a choice item accepts.
    #[serde(
        default,
        rename = "answerOption",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub answer_options: Vec<AnswerOption>,
    /// Conditions under which the item is asked; none means always.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enable_when: Vec<EnableWhen>,
    /// How the conditions combine.
    #[serde(default)]
    pub enable_behavior: EnableBehavior,
    /// Smallest accepted number (inclusive), read from the FHIR
    /// `minValue` extension.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub min_value: Option<f64>,
    /// Largest accepted number (inclusive), read from the FHIR `maxValue`
    /// extension.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<f64>,
    /// Longest accepted text, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// FHIR extensions: the limits are read from them, others ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<Value>,
    /// Child items (groups only).
    #[serde(default, rename = "item", skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
}

impl Item {
    /// The option with this code, if any.
    pub fn option(&self, code: &str) -> Option<&Coding> {
        self.answer_options
            .iter()
            .map(|o| &o.value_coding)
            .find(|c| c.code == code)
    }

    /// `code (display), …` for messages.
    pub fn option_list(&self) -> String {
        self.answer_options
            .iter()
            .map(|o| {
                if o.value_coding.display.is_empty() {
                    o.value_coding.code.clone()
                } else {
                    format!("{} ({})", o.value_coding.code, o.value_coding.display)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
struct RawQuestionnaire {
    resource_type: String,
    id: String,
    version: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    title: String,
    status: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    item: Vec<Item>,
}

/// A parsed form definition (a FHIR R4 Questionnaire).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormDefinition {
    /// Form id (e.g. `fhat`).
    pub id: String,
    /// Version (e.g. `1`).
    pub version: String,
    /// Computer-friendly name.
    pub name: String,
    /// Title shown to users.
    pub title: String,
    /// Publication status (`draft`, `active`, `retired`).
    pub status: String,
    /// Canonical URL, if given.
    pub url: Option<String>,
    /// Description, if given.
    pub description: Option<String>,
    /// Top-level items.
    pub items: Vec<Item>,
    /// Content hash (see [`FormRef::hash`]).
    pub hash: String,
}

impl FormDefinition {
    /// Parses and checks a Questionnaire: JSON shape, unique link ids,
    /// answer options on (and only on) choice items, children only on
    /// groups, sane ranges, and enableWhen conditions that point at an
    /// existing question with a value of the right type.
    pub fn parse(json: &str) -> Result<FormDefinition, FormError> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| FormError::Json(e.to_string()))?;
        let hash = content_hash(&limits_as_fields(value.clone()));
        let mut raw: RawQuestionnaire =
            serde_json::from_value(value).map_err(|e| FormError::Json(e.to_string()))?;
        let form = format!("{} v{}", raw.id, raw.version);
        let invalid = |problem: String| FormError::Invalid {
            form: form.clone(),
            problem,
        };
        if raw.resource_type != "Questionnaire" {
            return Err(invalid(format!(
                "resourceType is {}, not Questionnaire",
                raw.resource_type
            )));
        }
        if raw.id.trim().is_empty() || raw.version.trim().is_empty() {
            return Err(invalid("needs an id and a version".into()));
        }
        read_limits(&mut raw.item).map_err(invalid)?;
        let def = FormDefinition {
            id: raw.id,
            version: raw.version,
            name: raw.name,
            title: raw.title,
            status: raw.status,
            url: raw.url,
            description: raw.description,
            items: raw.item,
            hash,
        };
        def.check().map_err(invalid)?;
        Ok(def)
    }

    fn check(&self) -> Result<(), String> {
        let mut seen = HashSet::new();
        let mut all = Vec::new();
        collect(&self.items, &mut all);
        for item in &all {
            let id = &item.link_id;
            if id.is_empty() || id.contains(['.', '[', ']']) || id.trim() != id {
                return Err(format!(
                    "linkId {id:?} must be non-empty without spaces at the ends, '.', '[' or ']'"
                ));
            }
            if !seen.insert(id.as_str()) {
                return Err(format!("linkId {id} is used twice"));
            }
            let is_group = item.item_type == ItemType::Group;
            if is_group == item.items.is_empty() {
                return Err(format!(
                    "{id}: only groups have child items, and every group needs one"
                ));
            }
            if (item.item_type == ItemType::Choice) == item.answer_options.is_empty() {
                return Err(format!(
                    "{id}: choice items, and only they, need answer options"
                ));
            }
            let mut codes = HashSet::new();
            for o in &item.answer_options {
                if !codes.insert(o.value_coding.code.as_str()) {
                    return Err(format!(
                        "{id}: answer option {} is listed twice",
                        o.value_coding.code
                    ));
                }
            }
            let numeric = matches!(item.item_type, ItemType::Integer | ItemType::Decimal);
            if !numeric && (item.min_value.is_some() || item.max_value.is_some()) {
                return Err(format!("{id}: minValue/maxValue only apply to numbers"));
            }
            if let (Some(lo), Some(hi)) = (item.min_value, item.max_value) {
                if lo > hi {
                    return Err(format!("{id}: minValue is above maxValue"));
                }
            }
        }
        for item in &all {
            for ew in &item.enable_when {
                let Some(target) = all.iter().find(|i| i.link_id == ew.question) else {
                    return Err(format!(
                        "{}: enableWhen refers to {}, which is not on the form",
                        item.link_id, ew.question
                    ));
                };
                if target.item_type == ItemType::Group || target.link_id == item.link_id {
                    return Err(format!(
                        "{}: enableWhen must refer to another question, not {}",
                        item.link_id, ew.question
                    ));
                }
                let fits = match (&ew.operator, &ew.answer, target.item_type) {
                    (Operator::Exists, Answer::Bool(_), _) => true,
                    (Operator::Exists, _, _) => false,
                    (_, Answer::Bool(_), ItemType::Boolean) => true,
                    (
                        _,
                        Answer::Integer(_) | Answer::Decimal(_),
                        ItemType::Integer | ItemType::Decimal,
                    ) => true,
                    (_, Answer::Text(_), ItemType::String | ItemType::Text) => true,
                    (_, Answer::Date(_), ItemType::Date) => true,
                    (_, Answer::Coding(c), ItemType::Choice) => target.option(c).is_some(),
                    _ => false,
                };
                if !fits {
                    return Err(format!(
                        "{}: enableWhen value does not fit question {} ({})",
                        item.link_id,
                        ew.question,
                        target.item_type.code()
                    ));
                }
            }
        }
        Ok(())
    }

    /// Id, version and content hash, as recorded on a response.
    pub fn form_ref(&self) -> FormRef {
        FormRef {
            id: self.id.clone(),
            version: self.version.clone(),
            hash: self.hash.clone(),
        }
    }

    /// The item with this linkId, wherever it is in the form.
    pub fn item(&self, link_id: &str) -> Option<&Item> {
        fn walk<'a>(items: &'a [Item], id: &str) -> Option<&'a Item> {
            items.iter().find_map(|i| {
                if i.link_id == id {
                    Some(i)
                } else {
                    walk(&i.items, id)
                }
            })
        }
        walk(&self.items, link_id)
    }

    /// Every item in document order, groups before their children.
    pub fn all_items(&self) -> Vec<&Item> {
        let mut all = Vec::new();
        collect(&self.items, &mut all);
        all
    }

    /// The groups an item sits in, outermost first (empty at top level;
    /// `None` when the linkId is not on the form).
    pub fn ancestors(&self, link_id: &str) -> Option<Vec<&Item>> {
        fn walk<'a>(items: &'a [Item], id: &str, trail: &mut Vec<&'a Item>) -> bool {
            for i in items {
                if i.link_id == id {
                    return true;
                }
                trail.push(i);
                if walk(&i.items, id, trail) {
                    return true;
                }
                trail.pop();
            }
            false
        }
        let mut trail = Vec::new();
        walk(&self.items, link_id, &mut trail).then_some(trail)
    }
}

fn collect<'a>(items: &'a [Item], out: &mut Vec<&'a Item>) {
    for i in items {
        out.push(i);
        collect(&i.items, out);
    }
}

/// The FHIR extension holding an item's smallest accepted number.
pub const MIN_VALUE_URL: &str = "http://hl7.org/fhir/StructureDefinition/minValue";
/// The FHIR extension holding an item's largest accepted number.
pub const MAX_VALUE_URL: &str = "http://hl7.org/fhir/StructureDefinition/maxValue";

/// The value a limit extension holds (`valueInteger` or `valueDecimal`).
fn limit_json(ext: &Value) -> Option<&Value> {
    ext.get("valueInteger").or_else(|| ext.get("valueDecimal"))
}

/// Sets each item's limits from its `minValue` / `maxValue` extensions.
fn read_limits(items: &mut [Item]) -> Result<(), String> {
    for item in items {
        if let Some(list) = &item.extension {
            let list = list
                .as_array()
                .ok_or_else(|| format!("{}: extension must be a list", item.link_id))?;
            for ext in list {
                let url = ext.get("url").and_then(Value::as_str);
                let slot = match url {
                    Some(MIN_VALUE_URL) => &mut item.min_value,
                    Some(MAX_VALUE_URL) => &mut item.max_value,
                    _ => continue,
                };
                let v = limit_json(ext).and_then(Value::as_f64).ok_or_else(|| {
                    format!(
                        "{}: a limit extension needs valueInteger or valueDecimal",
                        item.link_id
                    )
                })?;
                if slot.replace(v).is_some() {
                    return Err(format!("{}: a limit is given twice", item.link_id));
                }
            }
        }
        read_limits(&mut item.items)?;
    }
    Ok(())
}

/// The definition with its limit extensions written as plain `minValue` /
/// `maxValue` item fields (and an emptied `extension` list left out): what
/// the content hash is taken over.
fn limits_as_fields(mut value: Value) -> Value {
    fn walk(items: &mut Value) {
        let Some(list) = items.as_array_mut() else {
            return;
        };
        for item in list {
            let Some(obj) = item.as_object_mut() else {
                continue;
            };
            if let Some(Value::Array(exts)) = obj.get_mut("extension") {
                let mut moved = Vec::new();
                exts.retain(|e| {
                    let key = match e.get("url").and_then(Value::as_str) {
                        Some(MIN_VALUE_URL) => "minValue",
                        Some(MAX_VALUE_URL) => "maxValue",
                        _ => return true,
                    };
                    match limit_json(e) {
                        Some(v) => {
                            moved.push((key, v.clone()));
                            false
                        }
                        None => true,
                    }
                });
                if exts.is_empty() {
                    obj.remove("extension");
                }
                for (k, v) in moved {
                    obj.insert(k.to_string(), v);
                }
            }
            if let Some(children) = obj.get_mut("item") {
                walk(children);
            }
        }
    }
    if let Some(items) = value.get_mut("item") {
        walk(items);
    }
    value
}

/// FNV-1a 128 over the canonical JSON of `value`, as 32 hex digits.
fn content_hash(value: &Value) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013b;
    let mut bytes = String::new();
    canonical(value, &mut bytes);
    let mut h = OFFSET;
    for b in bytes.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(PRIME);
    }
    format!("{h:032x}")
}

/// Compact JSON with object keys sorted, whatever serde_json's map order.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (n, k) in keys.into_iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(list) => {
            out.push('[');
            for (n, v) in list.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The shipped definition files, every version.
const SHIPPED: [(&str, &str); 7] = [
    ("fhat.v1.json", include_str!("../../../forms/fhat.v1.json")),
    (
        "family-partnership.v1.json",
        include_str!("../../../forms/family-partnership.v1.json"),
    ),
    (
        "two-year-review.v1.json",
        include_str!("../../../forms/two-year-review.v1.json"),
    ),
    (
        "two-year-review.v2.json",
        include_str!("../../../forms/two-year-review.v2.json"),
    ),
    ("epds.v1.json", include_str!("../../../forms/epds.v1.json")),
    ("epds.v2.json", include_str!("../../../forms/epds.v2.json")),
    ("epds.v3.json", include_str!("../../../forms/epds.v3.json")),
];

/// Every shipped definition, older versions included, parsed once.
pub fn builtin() -> &'static [FormDefinition] {
    static FORMS: OnceLock<Vec<FormDefinition>> = OnceLock::new();
    FORMS.get_or_init(|| {
        SHIPPED
            .iter()
            .map(|(file, json)| {
                FormDefinition::parse(json)
                    .unwrap_or_else(|e| panic!("shipped form {file} is invalid: {e}"))
            })
            .collect()
    })
}

/// The installed definition with this id and version.
pub fn find(id: &str, version: &str) -> Option<&'static FormDefinition> {
    builtin()
        .iter()
        .find(|d| d.id == id && d.version == version)
}

/// The newest installed version of a form (versions compare as numbers when
/// both are whole numbers, otherwise as text).
pub fn latest(id: &str) -> Option<&'static FormDefinition> {
    builtin()
        .iter()
        .filter(|d| d.id == id)
        .max_by(|a, b| compare_versions(&a.version, &b.version))
}

fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}
