//! Validation: answer types, ranges, choice codes, enableWhen and required
//! items, each problem named by its item path.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use super::answers::{path_in_context, resolve, Resolved};
use super::{
    Answer, Answers, EnableBehavior, EnableWhen, FormDefinition, Item, ItemType, Operator,
};
use crate::FieldProblem;

/// Deepest chain of enableWhen conditions followed (guards against loops).
const MAX_DEPTH: usize = 16;

/// True when the item at `link_id` (an item path) is asked, given the
/// answers so far: its own enableWhen conditions hold and so do those of
/// every group it is in. A question counts as unanswered in a condition
/// when it is itself not asked. False for a path not on the form.
pub fn is_enabled(def: &FormDefinition, answers: &Answers, link_id: &str) -> bool {
    resolve(def, link_id).is_ok_and(|r| enabled(def, answers, &r, 0).is_ok())
}

/// The answered paths whose questions are not asked given the answers
/// (an earlier answer changed so they no longer apply), found to a fixed
/// point: taking one back can hide others that depend on it.
pub fn answered_but_not_asked(def: &FormDefinition, answers: &Answers) -> Vec<String> {
    let mut left = answers.clone();
    let mut out = Vec::new();
    loop {
        let hidden: Vec<String> = left
            .0
            .keys()
            .filter(|k| {
                resolve(def, k).is_ok_and(|r| {
                    r.item.item_type != ItemType::Group && enabled(def, &left, &r, 0).is_err()
                })
            })
            .cloned()
            .collect();
        if hidden.is_empty() {
            return out;
        }
        for k in hidden {
            left.0.remove(&k);
            out.push(k);
        }
    }
}

/// The item paths the form asks given the answers, in form order: every
/// group and question whose conditions hold. A repeating group is listed
/// by its own path and then, for each instance that has an answer and for
/// one fresh instance after them (where a new entry goes), its items as
/// `group[i].linkId`; a repeating question as its first entry,
/// `linkId[0]`.
pub fn asked(def: &FormDefinition, answers: &Answers) -> Vec<String> {
    let mut out = Vec::new();
    asked_in(def, answers, &def.items, &[], &mut out);
    out
}

/// The path of `item` in the context of `indices`, and the item resolved
/// there, when the form asks it.
fn asked_at<'a>(
    def: &'a FormDefinition,
    answers: &Answers,
    item: &'a Item,
    indices: &[(String, usize)],
) -> Option<(String, Resolved<'a>)> {
    let path = path_in_context(def, &item.link_id, indices)?;
    let here = Resolved {
        item,
        ancestors: def.ancestors(&item.link_id).unwrap_or_default(),
        indices: indices.to_vec(),
    };
    enabled(def, answers, &here, 0).ok()?;
    Some((path, here))
}

fn asked_in(
    def: &FormDefinition,
    answers: &Answers,
    items: &[Item],
    indices: &[(String, usize)],
    out: &mut Vec<String>,
) {
    for item in items {
        let Some((path, _)) = asked_at(def, answers, item, indices) else {
            continue;
        };
        match (item.item_type, item.repeats) {
            (ItemType::Group, true) => {
                out.push(path);
                let mut found = instances(def, answers, item, indices);
                let fresh = found.last().map_or(0, |i| i + 1);
                found.insert(fresh);
                for i in found {
                    let mut inner = indices.to_vec();
                    inner.push((item.link_id.clone(), i));
                    asked_in(def, answers, &item.items, &inner, out);
                }
            }
            (ItemType::Group, false) => {
                out.push(path);
                asked_in(def, answers, &item.items, indices, out);
            }
            (_, true) => out.push(format!("{path}[0]")),
            (_, false) => out.push(path),
        }
    }
}

/// Every problem with `answers`, each naming its field (the item path):
/// paths not on the form, answers of the wrong type, numbers out of range,
/// codes that are not options, text too long, and answers to items that
/// are not asked ("is not asked because …"). When `complete` is true, also
/// every required item that is asked but unanswered (in each instance of a
/// repeating group that has any answer), and every required repeating group
/// with no entry. Empty means valid.
pub fn validate(def: &FormDefinition, answers: &Answers, complete: bool) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    for (path, answer) in &answers.0 {
        let r = match resolve(def, path) {
            Ok(r) => r,
            Err(e) => {
                out.push(FieldProblem::new(path.as_str(), e));
                continue;
            }
        };
        if let Err(p) = check_value(r.item, answer) {
            out.push(FieldProblem::new(path.as_str(), p));
            continue;
        }
        if let Err(why) = enabled(def, answers, &r, 0) {
            out.push(FieldProblem::new(
                path.as_str(),
                format!("is not asked because {why}"),
            ));
        }
    }
    if complete {
        required(def, answers, &def.items, &[], &mut out);
    }
    out
}

fn range_text(item: &Item) -> String {
    match (item.min_value, item.max_value) {
        (Some(lo), Some(hi)) => format!("must be between {lo} and {hi}"),
        (Some(lo), None) => format!("must be at least {lo}"),
        (None, Some(hi)) => format!("must be at most {hi}"),
        (None, None) => String::new(),
    }
}

fn check_value(item: &Item, answer: &Answer) -> Result<(), String> {
    let in_range = |v: f64| {
        let ok = item.min_value.is_none_or(|lo| v >= lo) && item.max_value.is_none_or(|hi| v <= hi);
        if ok {
            Ok(())
        } else {
            Err(range_text(item))
        }
    };
    match (item.item_type, answer) {
        (ItemType::Group, _) => {
            Err("is a group of questions, not a question: answer its items".into())
        }
        (ItemType::Boolean, Answer::Bool(_)) => Ok(()),
        (ItemType::Boolean, _) => Err("must be yes or no".into()),
        (ItemType::Integer, Answer::Integer(i)) => in_range(*i as f64),
        (ItemType::Integer, _) => Err("must be a whole number".into()),
        (ItemType::Decimal, Answer::Integer(_) | Answer::Decimal(_)) => {
            let v = answer.as_f64().unwrap_or(f64::NAN);
            if v.is_finite() {
                in_range(v)
            } else {
                Err("must be a number".into())
            }
        }
        (ItemType::Decimal, _) => Err("must be a number".into()),
        (ItemType::String | ItemType::Text, Answer::Text(s)) => {
            if s.trim().is_empty() {
                Err("has no value".into())
            } else if item.max_length.is_some_and(|m| s.chars().count() > m) {
                Err(format!(
                    "is longer than {} characters",
                    item.max_length.unwrap_or(0)
                ))
            } else {
                Ok(())
            }
        }
        (ItemType::String | ItemType::Text, _) => Err("must be text".into()),
        (ItemType::Date, Answer::Date(_)) => Ok(()),
        (ItemType::Date, _) => Err("must be a date".into()),
        (ItemType::Choice, Answer::Coding(c)) => match item.option(c) {
            Some(_) => Ok(()),
            None => Err(format!("is not one of the options: {}", item.option_list())),
        },
        (ItemType::Choice, _) => Err(format!(
            "must be one of the options: {}",
            item.option_list()
        )),
    }
}

/// `Ok` when the resolved item is asked; otherwise why not.
pub(crate) fn enabled(
    def: &FormDefinition,
    answers: &Answers,
    r: &Resolved<'_>,
    depth: usize,
) -> Result<(), String> {
    for group in &r.ancestors {
        if let Err(why) = conditions(def, answers, group, &r.indices, depth) {
            return Err(format!("its group {} is not asked ({why})", group.link_id));
        }
    }
    conditions(def, answers, r.item, &r.indices, depth)
}

fn conditions(
    def: &FormDefinition,
    answers: &Answers,
    item: &Item,
    indices: &[(String, usize)],
    depth: usize,
) -> Result<(), String> {
    if item.enable_when.is_empty() {
        return Ok(());
    }
    if depth > MAX_DEPTH {
        return Err("its conditions depend on each other in a loop".into());
    }
    let results: Vec<(bool, String)> = item
        .enable_when
        .iter()
        .map(|ew| (holds(def, answers, ew, indices, depth), unmet(ew)))
        .collect();
    let ok = match item.enable_behavior {
        EnableBehavior::All => results.iter().all(|(h, _)| *h),
        EnableBehavior::Any => results.iter().any(|(h, _)| *h),
    };
    if ok {
        Ok(())
    } else {
        Err(results
            .into_iter()
            .filter(|(h, _)| !h)
            .map(|(_, why)| why)
            .collect::<Vec<_>>()
            .join(" and "))
    }
}

fn holds(
    def: &FormDefinition,
    answers: &Answers,
    ew: &EnableWhen,
    indices: &[(String, usize)],
    depth: usize,
) -> bool {
    let current = path_in_context(def, &ew.question, indices).and_then(|p| {
        let a = answers.get(&p)?;
        let r = resolve(def, &p).ok()?;
        enabled(def, answers, &r, depth + 1).ok()?;
        Some(a)
    });
    let Some(a) = current else {
        return ew.operator == Operator::Exists && ew.answer == Answer::Bool(false);
    };
    match ew.operator {
        Operator::Exists => ew.answer == Answer::Bool(true),
        Operator::Eq => compare(a, &ew.answer) == Some(Ordering::Equal),
        Operator::Ne => compare(a, &ew.answer) != Some(Ordering::Equal),
        Operator::Gt => compare(a, &ew.answer) == Some(Ordering::Greater),
        Operator::Lt => compare(a, &ew.answer) == Some(Ordering::Less),
        Operator::Ge => matches!(
            compare(a, &ew.answer),
            Some(Ordering::Greater | Ordering::Equal)
        ),
        Operator::Le => matches!(
            compare(a, &ew.answer),
            Some(Ordering::Less | Ordering::Equal)
        ),
    }
}

/// How two answers compare; `None` when they are of different kinds (or
/// unordered kinds that differ).
fn compare(a: &Answer, b: &Answer) -> Option<Ordering> {
    match (a, b) {
        (Answer::Integer(_) | Answer::Decimal(_), Answer::Integer(_) | Answer::Decimal(_)) => {
            a.as_f64()?.partial_cmp(&b.as_f64()?)
        }
        (Answer::Date(x), Answer::Date(y)) => Some(x.cmp(y)),
        (Answer::Text(x), Answer::Text(y)) => Some(x.cmp(y)),
        (Answer::Bool(x), Answer::Bool(y)) if x == y => Some(Ordering::Equal),
        (Answer::Coding(x), Answer::Coding(y)) if x == y => Some(Ordering::Equal),
        _ => None,
    }
}

/// Why a condition fails, in words.
fn unmet(ew: &EnableWhen) -> String {
    let q = &ew.question;
    let v = &ew.answer;
    match ew.operator {
        Operator::Exists if *v == Answer::Bool(false) => format!("{q} is answered"),
        Operator::Exists => format!("{q} is not answered"),
        Operator::Eq => format!("{q} is not {v}"),
        Operator::Ne => format!("{q} is {v} or not answered"),
        Operator::Gt => format!("{q} is not above {v}"),
        Operator::Lt => format!("{q} is not below {v}"),
        Operator::Ge => format!("{q} is not at least {v}"),
        Operator::Le => format!("{q} is not at most {v}"),
    }
}

/// Required items (and required repeating groups) that are asked but
/// unanswered, under `items` in the context of `indices`.
fn required(
    def: &FormDefinition,
    answers: &Answers,
    items: &[Item],
    indices: &[(String, usize)],
    out: &mut Vec<FieldProblem>,
) {
    for item in items {
        let Some((path, here)) = asked_at(def, answers, item, indices) else {
            continue;
        };
        match (item.item_type, item.repeats) {
            (ItemType::Group, true) => {
                let found = instances(def, answers, item, indices);
                if found.is_empty() && item.required {
                    out.push(FieldProblem::new(path, "needs at least one entry"));
                }
                for i in found {
                    let mut inner = indices.to_vec();
                    inner.push((item.link_id.clone(), i));
                    let instance = Resolved {
                        indices: inner.clone(),
                        ..here.clone()
                    };
                    if enabled(def, answers, &instance, 0).is_ok() {
                        required(def, answers, &item.items, &inner, out);
                    }
                }
            }
            (ItemType::Group, false) => required(def, answers, &item.items, indices, out),
            (_, true) => {
                let prefix = format!("{path}[");
                let any = answers.0.keys().any(|k| k.starts_with(&prefix));
                if item.required && !any {
                    out.push(FieldProblem::new(path, "is required"));
                }
            }
            (_, false) => {
                if item.required && answers.get(&path).is_none() {
                    out.push(FieldProblem::new(path, "is required"));
                }
            }
        }
    }
}

/// The instances of a repeating group that have any answer, in the
/// context of `indices`.
fn instances(
    def: &FormDefinition,
    answers: &Answers,
    group: &Item,
    indices: &[(String, usize)],
) -> BTreeSet<usize> {
    answers
        .0
        .keys()
        .filter_map(|k| resolve(def, k).ok())
        .filter(|r| indices.iter().all(|c| r.indices.contains(c)))
        .filter_map(|r| {
            r.indices
                .iter()
                .find(|(id, _)| *id == group.link_id)
                .map(|(_, i)| *i)
        })
        .collect()
}
