// Reading a form definition and its answers for display. Which questions
// are asked (enableWhen) is the core's rule: form_show sends the list
// (ResponseView.asked), and form_answer takes back answers a change hides.
import type { Answer, FormDefinition, FormResponse, Item } from "../../ipc";

/** Every item in document order, groups before their children. */
export function allItems(items: Item[]): Item[] {
  return items.flatMap((i) => [i, ...allItems(i.item ?? [])]);
}

/** The item with this linkId anywhere in the form. */
export function findItem(def: FormDefinition, linkId: string): Item | undefined {
  return allItems(def.items).find((i) => i.linkId === linkId);
}

/** The item an item path names (`goals[2].goal`, `epds-1`). */
export function itemAt(def: FormDefinition, path: string): Item | undefined {
  const last = path.split(".").pop() ?? "";
  return findItem(def, last.replace(/\[\d+\]$/, ""));
}

/** Answers by item path, as on a response. */
export type Answers = FormResponse["answers"];

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
