//! Answers keyed by item path, the path scheme, and turning typed-in text
//! into a typed answer.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{FormDefinition, Item, ItemType};
use crate::FieldProblem;

/// One answer. Serialised externally tagged with the FHIR
/// `QuestionnaireResponse.item.answer.value[x]` names, so the type survives
/// any JSON round trip: `{"valueBoolean":true}`, `{"valueInteger":3}`,
/// `{"valueDecimal":32.5}`, `{"valueString":"…"}`, `{"valueDate":"2025-01-31"}`,
/// `{"valueCoding":"adult-bed"}` (a choice stores its code only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Answer {
    /// A boolean item.
    #[serde(rename = "valueBoolean")]
    Bool(bool),
    /// An integer item.
    #[serde(rename = "valueInteger")]
    Integer(i64),
    /// A decimal item.
    #[serde(rename = "valueDecimal")]
    Decimal(f64),
    /// A string or text item.
    #[serde(rename = "valueString")]
    Text(String),
    /// A date item.
    #[serde(rename = "valueDate")]
    Date(NaiveDate),
    /// A choice item: the option's code.
    #[serde(rename = "valueCoding")]
    Coding(String),
}

impl Answer {
    /// The number, for integer and decimal answers.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Answer::Integer(i) => Some(*i as f64),
            Answer::Decimal(d) => Some(*d),
            _ => None,
        }
    }

    /// The value, for boolean answers.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Answer::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The text, for string and text answers.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Answer::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The code, for choice answers.
    pub fn as_code(&self) -> Option<&str> {
        match self {
            Answer::Coding(c) => Some(c),
            _ => None,
        }
    }

    /// The date, for date answers.
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Answer::Date(d) => Some(*d),
            _ => None,
        }
    }
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Bool(true) => f.write_str("yes"),
            Answer::Bool(false) => f.write_str("no"),
            Answer::Integer(i) => write!(f, "{i}"),
            Answer::Decimal(d) => write!(f, "{d}"),
            Answer::Text(s) => f.write_str(s),
            Answer::Date(d) => write!(f, "{d}"),
            Answer::Coding(c) => f.write_str(c),
        }
    }
}

/// A response's answers by item path (see the [module docs](super) for the
/// path scheme: `linkId`, or `group[index].linkId` inside a repeating
/// group).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct Answers(pub BTreeMap<String, Answer>);

impl Answers {
    /// No answers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets one answer (builder style, for tests and fixtures).
    pub fn with(mut self, path: &str, answer: Answer) -> Self {
        self.0.insert(path.to_string(), answer);
        self
    }

    /// Sets one answer.
    pub fn set(&mut self, path: &str, answer: Answer) {
        self.0.insert(path.to_string(), answer);
    }

    /// The answer at `path`.
    pub fn get(&self, path: &str) -> Option<&Answer> {
        self.0.get(path)
    }
}

/// One step of an item path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStep {
    /// The linkId.
    pub link_id: String,
    /// The instance, for repeating items.
    pub index: Option<usize>,
}

/// A parsed item path such as `goals[0].rating`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemPath(pub Vec<PathStep>);

impl ItemPath {
    /// Parses `a[0].b`; `None` when malformed.
    pub fn parse(path: &str) -> Option<ItemPath> {
        let mut steps = Vec::new();
        for seg in path.split('.') {
            let (link_id, index) = match seg.split_once('[') {
                None => (seg, None),
                Some((id, rest)) => {
                    let digits = rest.strip_suffix(']')?;
                    let ok = !digits.is_empty()
                        && digits.len() <= 6
                        && digits.bytes().all(|b| b.is_ascii_digit())
                        && (digits == "0" || !digits.starts_with('0'));
                    if !ok {
                        return None;
                    }
                    (id, Some(digits.parse().ok()?))
                }
            };
            if link_id.is_empty() || link_id.contains([']', ' ']) {
                return None;
            }
            steps.push(PathStep {
                link_id: link_id.to_string(),
                index,
            });
        }
        Some(ItemPath(steps))
    }
}

impl std::fmt::Display for ItemPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, s) in self.0.iter().enumerate() {
            if n > 0 {
                f.write_str(".")?;
            }
            f.write_str(&s.link_id)?;
            if let Some(i) = s.index {
                write!(f, "[{i}]")?;
            }
        }
        Ok(())
    }
}

/// An item path matched against a definition.
#[derive(Debug, Clone)]
pub(crate) struct Resolved<'a> {
    /// The item.
    pub item: &'a Item,
    /// Its groups, outermost first.
    pub ancestors: Vec<&'a Item>,
    /// The instance of each repeating group it is in: (group linkId, index).
    pub indices: Vec<(String, usize)>,
}

/// The path an item has in the context of `indices` (instances of
/// repeating groups); `None` when the item sits in a repeating group that
/// the context does not pin down.
pub(crate) fn path_in_context(
    def: &FormDefinition,
    link_id: &str,
    indices: &[(String, usize)],
) -> Option<String> {
    let ancestors = def.ancestors(link_id)?;
    let mut out = String::new();
    for a in ancestors.iter().filter(|a| a.repeats) {
        let (_, i) = indices.iter().find(|(id, _)| *id == a.link_id)?;
        out.push_str(&format!("{}[{i}].", a.link_id));
    }
    out.push_str(link_id);
    Some(out)
}

/// Matches `path` against the form. A repeating group may be named with or
/// without an instance index; a repeating question needs one.
pub(crate) fn resolve<'a>(def: &'a FormDefinition, path: &str) -> Result<Resolved<'a>, String> {
    let parsed = ItemPath::parse(path).ok_or_else(|| {
        "is not an item path (write the linkId, or group[0].linkId inside a repeating group)"
            .to_string()
    })?;
    let last = parsed.0.last().expect("split yields one segment");
    let item = def.item(&last.link_id).ok_or_else(|| {
        format!(
            "is not a question on this form ({} v{})",
            def.id, def.version
        )
    })?;
    let ancestors = def.ancestors(&item.link_id).unwrap_or_default();
    let repeating: Vec<&Item> = ancestors.iter().copied().filter(|a| a.repeats).collect();
    let expected = {
        let mut s: String = repeating
            .iter()
            .map(|a| format!("{}[n].", a.link_id))
            .collect();
        s.push_str(&item.link_id);
        if item.repeats && item.item_type != ItemType::Group {
            s.push_str("[n]");
        }
        s
    };
    let wrong = || format!("does not match the form: write it as {expected}");
    let steps = &parsed.0;
    if steps.len() != repeating.len() + 1 {
        return Err(wrong());
    }
    let mut indices = Vec::new();
    for (step, group) in steps.iter().zip(&repeating) {
        match step.index {
            Some(i) if step.link_id == group.link_id => indices.push((group.link_id.clone(), i)),
            _ => return Err(wrong()),
        }
    }
    match (item.repeats, item.item_type, last.index) {
        (true, ItemType::Group, Some(i)) => indices.push((item.link_id.clone(), i)),
        (true, ItemType::Group, None) | (true, _, Some(_)) | (false, _, None) => {}
        _ => return Err(wrong()),
    }
    Ok(Resolved {
        item,
        ancestors,
        indices,
    })
}

/// Turns text typed in the CLI or UI into a typed answer for the item at
/// `link_id` (an item path). Booleans take yes/no, true/false, y/n or 1/0;
/// numbers use a point for decimals; dates are YYYY-MM-DD; a choice takes
/// an option's code or its display text (any case). Ranges and enableWhen
/// are checked by [`validate`](super::validate), not here. The problem
/// names the field by `link_id`.
pub fn parse_answer(
    def: &FormDefinition,
    link_id: &str,
    raw: &str,
) -> Result<Answer, FieldProblem> {
    let fail = |p: String| FieldProblem::new(link_id, p);
    let item = resolve(def, link_id).map_err(fail)?.item;
    let text = raw.trim();
    if item.item_type == ItemType::Group {
        return Err(fail(format!(
            "is a group of questions, not a question: answer its items (e.g. {})",
            item.items.first().map_or("", |i| i.link_id.as_str())
        )));
    }
    if text.is_empty() {
        return Err(fail("has no value".into()));
    }
    match item.item_type {
        ItemType::Group => unreachable!("handled above"),
        ItemType::Boolean => match text.to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "1" => Ok(Answer::Bool(true)),
            "no" | "n" | "false" | "0" => Ok(Answer::Bool(false)),
            _ => Err(fail("must be yes or no".into())),
        },
        ItemType::Integer => text
            .parse::<i64>()
            .map(Answer::Integer)
            .map_err(|_| fail("must be a whole number".into())),
        ItemType::Decimal => match text.parse::<f64>() {
            Ok(d) if d.is_finite() => Ok(Answer::Decimal(d)),
            _ => Err(fail("must be a number (use a point for decimals)".into())),
        },
        ItemType::String | ItemType::Text => Ok(Answer::Text(text.to_string())),
        ItemType::Date => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Answer::Date)
            .map_err(|_| fail("must be a date written YYYY-MM-DD".into())),
        ItemType::Choice => item
            .answer_options
            .iter()
            .map(|o| &o.value_coding)
            .find(|c| c.code.eq_ignore_ascii_case(text) || c.display.eq_ignore_ascii_case(text))
            .map(|c| Answer::Coding(c.code.clone()))
            .ok_or_else(|| fail(format!("is not one of the options: {}", item.option_list()))),
    }
}
