// Assessment form definitions for the form screen, and the rules the core
// applies to them (item paths, enableWhen), so the screen shows only the
// questions that are asked.
//
// The core's form_show does not yet return the definition, so the shipped
// definitions (forms/*.json at the workspace root) are bundled here as
// copies; each is checked against the content hash recorded on the
// response (FNV-1a 128 over the canonical JSON, as the core computes it).
// When the core sends the definition with the response, that is used.
import type { Answer, ResponseView } from "../../ipc";

export type ItemType = "group" | "boolean" | "decimal" | "integer" | "string" | "text" | "date" | "choice";

export type EnableWhen = {
  question: string;
  operator: "exists" | "=" | "!=" | ">" | "<" | ">=" | "<=";
  answerBoolean?: boolean;
  answerInteger?: number;
  answerDecimal?: number;
  answerString?: string;
  answerDate?: string;
  answerCoding?: { code: string; system?: string; display?: string };
};

export type Item = {
  linkId: string;
  text?: string;
  type: ItemType;
  required?: boolean;
  repeats?: boolean;
  answerOption?: { valueCoding: { code: string; display?: string } }[];
  enableWhen?: EnableWhen[];
  enableBehavior?: "all" | "any";
  minValue?: number;
  maxValue?: number;
  maxLength?: number;
  item?: Item[];
};

export type Definition = {
  id: string;
  version: string;
  title: string;
  item: Item[];
  /** The content hash, when known. */
  hash: string | null;
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Compact JSON with object keys sorted, as the core hashes it. */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** FNV-1a 128 of a string's UTF-8 bytes, as 32 lower-case hex digits. */
export function fnv1a128(text: string): string {
  const MASK = (1n << 128n) - 1n;
  const PRIME = 0x0000000001000000000000000000013bn;
  let h = 0x6c62272e07bb014262b821756295c58dn;
  for (const b of new TextEncoder().encode(text)) {
    h ^= BigInt(b);
    h = (h * PRIME) & MASK;
  }
  return h.toString(16).padStart(32, "0");
}

/** The content hash of a definition file's JSON. */
export function contentHash(json: Json): string {
  return fnv1a128(canonicalJson(json));
}

const files = import.meta.glob<Json>("./forms/*.json", { eager: true, import: "default" });

/** The bundled copies of every shipped definition. */
export const BUILTIN: Definition[] = Object.values(files).map((json) => {
  const q = json as unknown as { id: string; version: string; title?: string; item?: Item[] };
  return { id: q.id, version: q.version, title: q.title ?? q.id, item: q.item ?? [], hash: contentHash(json) };
});

/** The definition to render a response with, and a warning when it may not match the one the response was made with. */
export function definitionFor(view: ResponseView): { def: Definition; warning: string | null } | null {
  const sent = view as ResponseView & { definition?: { item?: Item[]; items?: Item[] } | Item[]; items?: Item[] };
  const items = Array.isArray(sent.definition)
    ? sent.definition
    : (sent.definition?.item ?? sent.definition?.items ?? sent.items);
  const ref = view.response.form;
  if (Array.isArray(items)) {
    return { def: { id: ref.id, version: ref.version, title: view.title, item: items, hash: ref.hash }, warning: null };
  }
  const def = BUILTIN.find((d) => d.id === ref.id && d.version === ref.version);
  if (!def) return null;
  return {
    def,
    warning:
      def.hash === ref.hash
        ? null
        : "This screen's copy of the form may differ from the version this response was made with. Doorstep still checks every answer when it is saved.",
  };
}

/** Every item in document order, groups before their children. */
export function allItems(items: Item[]): Item[] {
  return items.flatMap((i) => [i, ...allItems(i.item ?? [])]);
}

/** The item with this linkId anywhere in the form. */
export function findItem(def: Definition, linkId: string): Item | undefined {
  return allItems(def.item).find((i) => i.linkId === linkId);
}

/** The groups an item sits in, outermost first; undefined when it is not on the form. */
export function ancestors(def: Definition, linkId: string): Item[] | undefined {
  const walk = (items: Item[], trail: Item[]): Item[] | undefined => {
    for (const i of items) {
      if (i.linkId === linkId) return trail;
      const found = walk(i.item ?? [], [...trail, i]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(def.item, []);
}

/** Instances of repeating groups: [group linkId, index]. */
export type Indices = [string, number][];

/** The path of `linkId` in the context of `indices`; undefined when a repeating group it sits in is not pinned down. */
export function pathInContext(def: Definition, linkId: string, indices: Indices): string | undefined {
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
export function resolvePath(def: Definition, path: string): { item: Item; indices: Indices } | undefined {
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

function expected(ew: EnableWhen): Answer | undefined {
  if (ew.answerBoolean !== undefined) return { valueBoolean: ew.answerBoolean };
  if (ew.answerInteger !== undefined) return { valueInteger: ew.answerInteger };
  if (ew.answerDecimal !== undefined) return { valueDecimal: ew.answerDecimal };
  if (ew.answerString !== undefined) return { valueString: ew.answerString };
  if (ew.answerDate !== undefined) return { valueDate: ew.answerDate };
  if (ew.answerCoding !== undefined) return { valueCoding: ew.answerCoding.code };
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

export type Answers = { [path: string]: Answer };

const MAX_DEPTH = 16;

function holds(def: Definition, answers: Answers, ew: EnableWhen, indices: Indices, depth: number): boolean {
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

function conditions(def: Definition, answers: Answers, item: Item, indices: Indices, depth: number): boolean {
  const list = item.enableWhen ?? [];
  if (list.length === 0) return true;
  if (depth > MAX_DEPTH) return false;
  const results = list.map((ew) => holds(def, answers, ew, indices, depth));
  return item.enableBehavior === "any" ? results.some(Boolean) : results.every(Boolean);
}

/** Whether an item (in the context of `indices`) is asked, given the answers: its own conditions and those of every group it is in hold. */
export function enabled(def: Definition, answers: Answers, item: Item, indices: Indices, depth = 0): boolean {
  for (const g of ancestors(def, item.linkId) ?? []) {
    if (!conditions(def, answers, g, indices, depth)) return false;
  }
  return conditions(def, answers, item, indices, depth);
}

/** Answered paths whose questions are no longer asked (to take the answers back). */
export function answeredButNotAsked(def: Definition, answers: Answers): string[] {
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
