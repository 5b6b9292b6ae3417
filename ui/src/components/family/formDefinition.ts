// The rules the core applies to a form definition (item paths, enableWhen),
// so the form screen shows only the questions that are asked. The
// definition itself comes from the core with the response (form_show), in
// the generated FormDefinition shape.
import type { Answer, EnableWhen, FormDefinition, FormResponse, Item } from "../../ipc";

/** Every item in document order, groups before their children. */
export function allItems(items: Item[]): Item[] {
  return items.flatMap((i) => [i, ...allItems(i.item ?? [])]);
}

/** The item with this linkId anywhere in the form. */
export function findItem(def: FormDefinition, linkId: string): Item | undefined {
  return allItems(def.items).find((i) => i.linkId === linkId);
}

/** The groups an item sits in, outermost first; undefined when it is not on the form. */
export function ancestors(def: FormDefinition, linkId: string): Item[] | undefined {
  const walk = (items: Item[], trail: Item[]): Item[] | undefined => {
    for (const i of items) {
      if (i.linkId === linkId) return trail;
      const found = walk(i.item ?? [], [...trail, i]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(def.items, []);
}

/** Instances of repeating groups: [group linkId, index]. */
export type Indices = [string, number][];

/** The path of `linkId` in the context of `indices`; undefined when a repeating group it sits in is not pinned down. */
export function pathInContext(def: FormDefinition, linkId: string, indices: Indices): string | undefined {
  const trail = ancestors(def, linkId);
  if (!trail) return undefined;
  let out = "";
  for (const a of trail.filter((a) => a.repeats)) {
    const found = indices.find(([id]) => id === a.linkId);
    if (!found) return undefined;
    out += `${a.linkId}[${found[1]}].`;
  }
  return out + linkId;
}

/** The item and repeating-group instances an answered path names. */
export function resolvePath(def: FormDefinition, path: string): { item: Item; indices: Indices } | undefined {
  const steps = path.split(".").map((seg) => {
    const m = /^([^[\]]+)(?:\[(\d+)\])?$/.exec(seg);
    return m ? { linkId: m[1], index: m[2] === undefined ? undefined : Number(m[2]) } : undefined;
  });
  if (steps.some((s) => !s)) return undefined;
  const last = steps[steps.length - 1]!;
  const item = findItem(def, last.linkId);
  if (!item) return undefined;
  const indices: Indices = [];
  for (const s of steps) {
    const i = s!.index;
    if (i === undefined) continue;
    const it = findItem(def, s!.linkId);
    if (it?.repeats && it.type === "group") indices.push([s!.linkId, i]);
  }
  return { item, indices };
}

/** The answer a condition compares with (Rust sends exactly one answer field; absent ones are left out). */
function expected(ew: EnableWhen): Answer | undefined {
  if (ew.answerBoolean != null) return { valueBoolean: ew.answerBoolean };
  if (ew.answerInteger != null) return { valueInteger: ew.answerInteger };
  if (ew.answerDecimal != null) return { valueDecimal: ew.answerDecimal };
  if (ew.answerString != null) return { valueString: ew.answerString };
  if (ew.answerDate != null) return { valueDate: ew.answerDate };
  if (ew.answerCoding != null) return { valueCoding: ew.answerCoding.code };
  return undefined;
}

function numberOf(a: Answer): number | undefined {
  if ("valueInteger" in a) return a.valueInteger;
  if ("valueDecimal" in a) return a.valueDecimal;
  return undefined;
}

/** How two answers compare (-1, 0, 1), or undefined when they are of different kinds. */
export function compareAnswers(a: Answer, b: Answer): number | undefined {
  const x = numberOf(a);
  const y = numberOf(b);
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  const cmp = (p: string, q: string) => (p < q ? -1 : p > q ? 1 : 0);
  if ("valueDate" in a && "valueDate" in b) return cmp(a.valueDate, b.valueDate);
  if ("valueString" in a && "valueString" in b) return cmp(a.valueString, b.valueString);
  if ("valueBoolean" in a && "valueBoolean" in b && a.valueBoolean === b.valueBoolean) return 0;
  if ("valueCoding" in a && "valueCoding" in b && a.valueCoding === b.valueCoding) return 0;
  return undefined;
}

/** Answers by item path, as on a response. */
export type Answers = FormResponse["answers"];

const MAX_DEPTH = 16;

function holds(def: FormDefinition, answers: Answers, ew: EnableWhen, indices: Indices, depth: number): boolean {
  const path = pathInContext(def, ew.question, indices);
  let current: Answer | undefined = path !== undefined ? answers[path] : undefined;
  if (current && path !== undefined) {
    const r = resolvePath(def, path);
    if (!r || !enabled(def, answers, r.item, r.indices, depth + 1)) current = undefined;
  }
  const want = expected(ew);
  if (!current || !want) return ew.operator === "exists" && want !== undefined && "valueBoolean" in want && !want.valueBoolean;
  const c = compareAnswers(current, want);
  switch (ew.operator) {
    case "exists":
      return "valueBoolean" in want && want.valueBoolean;
    case "=":
      return c === 0;
    case "!=":
      return c !== 0;
    case ">":
      return c === 1;
    case "<":
      return c === -1;
    case ">=":
      return c === 1 || c === 0;
    case "<=":
      return c === -1 || c === 0;
  }
}

function conditions(def: FormDefinition, answers: Answers, item: Item, indices: Indices, depth: number): boolean {
  const list = item.enableWhen ?? [];
  if (list.length === 0) return true;
  if (depth > MAX_DEPTH) return false;
  const results = list.map((ew) => holds(def, answers, ew, indices, depth));
  return item.enableBehavior === "any" ? results.some(Boolean) : results.every(Boolean);
}

/** Whether an item (in the context of `indices`) is asked, given the answers: its own conditions and those of every group it is in hold. */
export function enabled(def: FormDefinition, answers: Answers, item: Item, indices: Indices, depth = 0): boolean {
  for (const g of ancestors(def, item.linkId) ?? []) {
    if (!conditions(def, answers, g, indices, depth)) return false;
  }
  return conditions(def, answers, item, indices, depth);
}

/** Answered paths whose questions are no longer asked (to take the answers back). */
export function answeredButNotAsked(def: FormDefinition, answers: Answers): string[] {
  return Object.keys(answers).filter((path) => {
    const r = resolvePath(def, path);
    return r !== undefined && r.item.type !== "group" && !enabled(def, answers, r.item, r.indices);
  });
}

/** The instances of the repeating group at `groupPath` (e.g. `goals`) that have any answer. */
export function instancesOf(answers: Answers, groupPath: string): number[] {
  const prefix = `${groupPath}[`;
  const found = new Set<number>();
  for (const k of Object.keys(answers)) {
    if (!k.startsWith(prefix)) continue;
    const m = /^(\d+)\]/.exec(k.slice(prefix.length));
    if (m) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}

/** An answer as the text a field holds (and form_answer takes back). */
export function answerText(a: Answer | undefined): string {
  if (!a) return "";
  if ("valueBoolean" in a) return a.valueBoolean ? "yes" : "no";
  if ("valueInteger" in a) return String(a.valueInteger);
  if ("valueDecimal" in a) return String(a.valueDecimal);
  if ("valueString" in a) return a.valueString;
  if ("valueDate" in a) return a.valueDate;
  return a.valueCoding;
}
