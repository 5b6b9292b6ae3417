//! The TypeScript in `ui/src/generated/`, written from the IPC contract
//! ([`crate::ipc`], doorstep-core's types) and the command signatures
//! ([`crate::commands::signatures`]): one file per type, `index.ts`, and
//! `commands.ts` with one typed function per command. Built only with the
//! `codegen` feature (the drift test and `cargo xtask codegen`), never into
//! the shipped app.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use ts_rs::{TypeVisitor, TS};

/// One command's TypeScript signature.
#[derive(Debug, Clone)]
pub struct Signature {
    /// The command's name.
    pub name: &'static str,
    /// Its documentation.
    pub docs: &'static str,
    /// Argument names and TypeScript types.
    pub args: Vec<(&'static str, String)>,
    /// The TypeScript type it resolves to.
    pub returns: String,
}

/// The ts-rs configuration the generated files use.
pub fn ts_config() -> ts_rs::Config {
    ts_rs::Config::new().with_large_int("number")
}

/// Collects every named type reachable from the command signatures.
pub struct TypeSet {
    files: BTreeMap<String, String>,
    owners: BTreeMap<String, &'static str>,
    error: Option<String>,
    cfg: ts_rs::Config,
    seen: std::collections::HashSet<std::any::TypeId>,
}

impl TypeVisitor for TypeSet {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(std::any::TypeId::of::<T>()) {
            return;
        }
        match T::output_path() {
            Some(path) => {
                let file = path.to_string_lossy().into_owned();
                let rust = std::any::type_name::<T>();
                match T::export_to_string(&self.cfg) {
                    Ok(text) => match self.files.get(&file) {
                        // ts-rs maps some types to one declaration (serde_json's Value).
                        Some(old) if *old == text => {}
                        Some(_) => {
                            let other = self.owners[&file];
                            self.error = Some(format!("{rust} and {other} both export {file}"));
                        }
                        None => {
                            self.owners.insert(file.clone(), rust);
                            self.files.insert(file, text);
                        }
                    },
                    Err(e) => self.error = Some(format!("{rust}: {e}")),
                }
                T::visit_dependencies(self);
            }
            None => {
                T::visit_dependencies(self);
                T::visit_generics(self);
            }
        }
    }
}

/// Every generated file by name: one per type, `index.ts` re-exporting
/// them, and `commands.ts` with one typed function per command.
pub fn generate(
    signatures: &[Signature],
    visit: impl Fn(&mut TypeSet),
) -> Result<BTreeMap<String, String>, String> {
    let mut types = TypeSet {
        files: BTreeMap::new(),
        owners: BTreeMap::new(),
        error: None,
        cfg: ts_config(),
        seen: Default::default(),
    };
    visit(&mut types);
    types.visit::<crate::ipc::IpcError>();
    types.visit::<crate::ipc::SyncEvent>();
    if let Some(e) = types.error {
        return Err(e);
    }
    let mut files = types.files;
    // (type name, module path without ".ts")
    let names: Vec<(String, String)> = files
        .keys()
        .map(|f| {
            let module = f.trim_end_matches(".ts").to_string();
            let name = module.rsplit('/').next().unwrap_or(&module).to_string();
            (name, module)
        })
        .collect();

    let mut index = String::from(HEADER);
    for (n, m) in &names {
        let _ = writeln!(index, "export type {{ {n} }} from \"./{m}\";");
    }
    index.push_str("export * from \"./commands\";\n");

    let mut commands = String::from(HEADER);
    commands.push_str("import { invoke } from \"@tauri-apps/api/core\";\n");
    let used = |n: &str| {
        signatures.iter().any(|s| {
            std::iter::once(&s.returns)
                .chain(s.args.iter().map(|(_, t)| t))
                .any(|t| {
                    t.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .any(|w| w == n)
                })
        })
    };
    for (n, m) in names.iter().filter(|(n, _)| used(n)) {
        let _ = writeln!(commands, "import type {{ {n} }} from \"./{m}\";");
    }
    commands.push_str(
        "\n/** Every command the shell registers, by name. */\nexport const COMMANDS = [\n",
    );
    for s in signatures {
        let _ = writeln!(commands, "  \"{}\",", s.name);
    }
    commands.push_str("] as const;\n");
    for s in signatures {
        commands.push('\n');
        let docs = s.docs.trim();
        if !docs.is_empty() {
            let _ = writeln!(
                commands,
                "/** {} */",
                docs.replace("*/", "* /").replace('\n', "\n * ")
            );
        }
        let params: Vec<String> = s.args.iter().map(|(a, t)| format!("{a}: {t}")).collect();
        let object: Vec<&str> = s.args.iter().map(|(a, _)| *a).collect();
        let _ = writeln!(
            commands,
            "export function {}({}): Promise<{}> {{\n  return invoke(\"{}\"{});\n}}",
            camel(s.name),
            params.join(", "),
            s.returns,
            s.name,
            if object.is_empty() {
                String::new()
            } else {
                format!(", {{ {} }}", object.join(", "))
            }
        );
    }
    files.insert("labels.ts".into(), labels(&names));
    index.push_str("export * from \"./labels\";\n");
    // Test fixtures only (not in index.ts, so never in the app's bundle):
    // every shipped form definition exactly as form_show sends it.
    let forms = serde_json::to_string_pretty(doorstep_core::domain::forms::builtin())
        .map_err(|e| e.to_string())?;
    files.insert(
        "shippedForms.ts".into(),
        format!(
            "{HEADER}// Every shipped form definition as the core serializes it (test fixtures).\n\nimport type {{ FormDefinition }} from \"./FormDefinition\";\n\nexport const SHIPPED_FORMS: FormDefinition[] = {forms};\n"
        ),
    );
    files.insert("index.ts".into(), index);
    files.insert("commands.ts".into(), commands);
    Ok(files)
}

/// `labels.ts`: each code list's label by code, written from the Rust code
/// lists so the UI keeps no copy of its own. `names` maps a type name to
/// its module.
fn labels(names: &[(String, String)]) -> String {
    use doorstep_core::domain::clinical::delivery::{DeliveredBy, DeliveredHow, DeliveredWhere};
    use doorstep_core::domain::clinical::growth::GrowthReference;
    use doorstep_core::domain::record::follow_up::Urgency;
    use doorstep_core::domain::values::codes::{
        Attendance, ConsultationMechanism, ContactKind, CpCategory, DepartureReason,
        EthnicCategory, FeedingStatus, FlagKind, LevelOfService, LocationType, MemberRole,
        NhsNumberStatus, PractitionerRole, SafetyAlertKind, Sex,
    };
    let mut imports = String::new();
    let mut body = String::new();
    macro_rules! map {
        ($constant:literal, $t:ident) => {{
            let ty = stringify!($t);
            if let Some((_, module)) = names.iter().find(|(n, _)| n == ty) {
                let _ = writeln!(imports, "import type {{ {ty} }} from \"./{module}\";");
            }
            let _ = writeln!(
                body,
                "\nexport const {}: Record<{ty}, string> = {{",
                $constant
            );
            for v in $t::ALL {
                let _ = writeln!(body, "  {:?}: {:?},", v.code(), v.label());
            }
            body.push_str("};\n");
        }};
    }
    map!("ROLE_LABELS", PractitionerRole);
    map!("LEVEL_LABELS", LevelOfService);
    map!("FLAG_LABELS", FlagKind);
    map!("CONTACT_KIND_LABELS", ContactKind);
    map!("ATTENDANCE_LABELS", Attendance);
    map!("CP_CATEGORY_LABELS", CpCategory);
    map!("SAFETY_ALERT_LABELS", SafetyAlertKind);
    map!("SEX_LABELS", Sex);
    map!("MEMBER_ROLE_LABELS", MemberRole);
    map!("ETHNIC_CATEGORY_LABELS", EthnicCategory);
    map!("NHS_NUMBER_STATUS_LABELS", NhsNumberStatus);
    map!("LOCATION_LABELS", LocationType);
    map!("MECHANISM_LABELS", ConsultationMechanism);
    map!("FEEDING_LABELS", FeedingStatus);
    map!("DEPARTURE_LABELS", DepartureReason);
    map!("DELIVERED_BY_LABELS", DeliveredBy);
    map!("DELIVERED_WHERE_LABELS", DeliveredWhere);
    map!("DELIVERED_HOW_LABELS", DeliveredHow);
    map!("GROWTH_REFERENCE_LABELS", GrowthReference);
    map!("URGENCY_LABELS", Urgency);
    format!("{HEADER}{imports}{body}")
}

const HEADER: &str = "// Generated by doorstep-desktop (cargo xtask codegen). Do not edit.\n\n";

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Differences between the generated files and those in `dir`: files that
/// differ, are missing, or should not be there.
pub fn drift(dir: &Path, files: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, text) in files {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(old) if old == *text => {}
            Ok(_) => out.push(format!("{name} differs")),
            Err(_) => out.push(format!("{name} is missing")),
        }
    }
    for name in files_under(dir, "") {
        if !files.contains_key(&name) {
            out.push(format!("{name} is not generated"));
        }
    }
    out.sort();
    out
}

/// Every file under `dir`, as `/`-separated paths relative to it.
fn files_under(dir: &Path, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = format!("{prefix}{}", e.file_name().to_string_lossy());
        if e.path().is_dir() {
            out.extend(files_under(&e.path(), &format!("{name}/")));
        } else {
            out.push(name);
        }
    }
    out
}

/// Replaces `dir`'s contents with the generated files.
pub fn write(dir: &Path, files: &BTreeMap<String, String>) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::camel;

    #[test]
    fn command_names_become_camel_case_functions() {
        assert_eq!(camel("resolve_conflict"), "resolveConflict");
        assert_eq!(camel("lock"), "lock");
    }
}
