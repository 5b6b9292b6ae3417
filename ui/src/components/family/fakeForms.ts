// A fake of the core's form commands for the form screen's tests: answers
// parsed and range-checked as the core does, required answers reported by
// item path, and a simple EPDS total as a score. form_show sends the
// definition as the shell does: the shipped definitions exactly as the core
// serializes them (ui/src/generated/shippedForms.ts, written by codegen). The fake does not evaluate enableWhen: a question with
// conditions is asked only where a test says when (`askedWhen`), as the
// core would answer in that test's story.
import type { Answer, FieldProblem, FormDefinition, IpcError, Item, ResponseView, Score } from "../../ipc";
import { SHIPPED_FORMS } from "../../generated/shippedForms";
import { instancesOf, itemAt, type Answers } from "./formDefinition";

/** Every shipped definition, every version, as form_show sends it. */
export const SHIPPED: FormDefinition[] = SHIPPED_FORMS;

/** The shipped definition with this id and version. */
export function shipped(id: string, version = "1"): FormDefinition {
  const def = SHIPPED.find((d) => d.id === id && d.version === version);
  if (!def) throw new Error(`no shipped form ${id} v${version}`);
  return def;
}

export function invalid(problems: FieldProblem[]): IpcError {
  return { code: "invalid", message: "Some answers need correcting.", problems, warning: null };
}

function parse(item: Item, path: string, raw: string): Answer {
  const fail = (problem: string) => invalid([{ field: path, problem }]);
  const text = raw.trim();
  switch (item.type) {
    case "boolean":
      if (/^(yes|y|true|1)$/i.test(text)) return { valueBoolean: true };
      if (/^(no|n|false|0)$/i.test(text)) return { valueBoolean: false };
      throw fail("must be yes or no");
    case "integer":
    case "decimal": {
      if (item.type === "integer" ? !/^-?\d+$/.test(text) : !Number.isFinite(Number(text))) {
        throw fail(item.type === "integer" ? "must be a whole number" : "must be a number (use a point for decimals)");
      }
      const v = Number(text);
      if ((item.minValue != null && v < item.minValue) || (item.maxValue != null && v > item.maxValue)) {
        throw fail(`must be between ${item.minValue} and ${item.maxValue}`);
      }
      return item.type === "integer" ? { valueInteger: v } : { valueDecimal: v };
    }
    case "date":
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw fail("must be a date written YYYY-MM-DD");
      return { valueDate: text };
    case "choice": {
      const o = item.answerOption?.find((x) => x.valueCoding.code === text);
      if (!o) throw fail("is not one of the options");
      return { valueCoding: o.valueCoding.code };
    }
    default:
      return { valueString: text };
  }
}

/** When a conditional question is asked, by linkId, in a test's story. */
export type AskedWhen = Record<string, (answers: Answers) => boolean>;

/** The item paths asked, in the shape of ResponseView.asked: unconditional items, and conditional ones where `askedWhen` says so. */
function askedPaths(def: FormDefinition, answers: Answers, askedWhen: AskedWhen): string[] {
  const out: string[] = [];
  const walk = (items: Item[], prefix: string) => {
    for (const item of items) {
      const path = prefix + item.linkId;
      const when = askedWhen[item.linkId];
      if (when ? !when(answers) : (item.enableWhen?.length ?? 0) > 0) continue;
      if (item.type === "group" && item.repeats) {
        out.push(path);
        const have = instancesOf(answers, path);
        for (const i of [...have, have.length ? Math.max(...have) + 1 : 0]) walk(item.item ?? [], `${path}[${i}].`);
      } else if (item.type === "group") {
        out.push(path);
        walk(item.item ?? [], prefix);
      } else {
        out.push(item.repeats ? `${path}[0]` : path);
      }
    }
  };
  walk(def.items, "");
  return out;
}

/** Required answers missing from asked questions (entries with no answer yet are not counted). */
function required(def: FormDefinition, answers: Answers, asked: string[]): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const path of asked) {
    const item = itemAt(def, path);
    if (!item?.required) continue;
    if (item.type === "group") {
      if (item.repeats && instancesOf(answers, path).length === 0) out.push({ field: path, problem: "needs at least one entry" });
      continue;
    }
    const entry = /^(.*)\[(\d+)\]\.[^.]+$/.exec(path);
    if (entry && !instancesOf(answers, entry[1]).includes(Number(entry[2]))) continue;
    if (answers[path] === undefined) out.push({ field: path, problem: "is required" });
  }
  return out;
}

export function fakeForms(
  formId: string,
  version: string,
  opts: { answers?: Answers; status?: "draft" | "completed"; subject?: string; askedWhen?: AskedWhen } = {},
) {
  const def = shipped(formId, version);
  const state = { answers: { ...(opts.answers ?? {}) } as Answers, status: opts.status ?? "draft" };
  const scores = (): Score[] => {
    if (formId !== "epds") return [];
    const items = Array.from({ length: 10 }, (_, i) => state.answers[`epds-${i + 1}`]);
    if (items.some((a) => !a)) return [];
    const total = items.reduce((s, a) => s + (a && "valueInteger" in a ? a.valueInteger : 0), 0);
    return [{ code: "epds-total", label: "EPDS total", value: total, interpretation: total >= 13 ? "probable depression" : "below the cut-off", flags: total >= 13 ? ["refer"] : [] }];
  };
  const asked = () => askedPaths(def, state.answers, opts.askedWhen ?? {});
  const problems = () => required(def, state.answers, asked());
  const view = (): ResponseView => ({
    id: "resp-1",
    title: def.title,
    response: {
      form: { id: def.id, version: def.version, hash: def.hash },
      subject: opts.subject ?? null,
      answers: { ...state.answers },
      status: state.status,
      started: { by: "Sam Rivers", at: "2026-11-20T10:00:00Z" },
      completed: state.status === "completed" ? { by: "Sam Rivers", at: "2026-11-20T11:00:00Z" } : null,
    },
    problems: problems(),
    scores: scores(),
    definition: def,
    asked: asked(),
  });
  return {
    def,
    state,
    handlers: {
      form_show: () => view(),
      form_answer: (a: Record<string, unknown>) => {
        const path = a.item as string;
        const value = a.value as string;
        const item = itemAt(def, path);
        if (!item) throw invalid([{ field: path, problem: "is not a question on this form" }]);
        if (value.trim() === "") {
          if (!(path in state.answers)) throw invalid([{ field: path, problem: "has no answer to clear" }]);
          delete state.answers[path];
        } else {
          state.answers[path] = parse(item, path, value);
        }
        // As the core does in the same save: answers no longer asked are taken back.
        const now = new Set(asked());
        for (const p of Object.keys(state.answers)) if (!now.has(p)) delete state.answers[p];
        return { family_id: a.family_id, record_id: a.response_id };
      },
      form_complete: () => {
        const p = problems();
        if (p.length) throw invalid(p);
        state.status = "completed";
        return { family_id: "f", record_id: "resp-1" };
      },
    },
  };
}
