/**
 * The places a setting can come from (defaults < file < environment < flags), each turned into a plain object plus
 * a way to say where a given key was set: `cma.yaml:3:5`, `env CMA_EXCHANGE__NAME`, `flag --exchange`.
 */
import { readFileSync } from "node:fs";
import { isMap, isPair, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { didYouMean } from "./did-you-mean.js";
import { type ConfigPath, isList, isSection, leafPaths, schemaAt } from "./config-walk.js";

export type SourceKind = "file" | "env" | "flag";

export interface Layer {
  readonly kind: SourceKind;
  /** The file's path as shown, "environment" or "command line". */
  readonly name: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** Where the value at `path` (or the key itself, for unknown keys) was written. */
  origin(path: ConfigPath): string;
}

/** One line of a ConfigError, and the place the user has to fix (the file, "environment" or "command line"). */
export interface Problem {
  readonly text: string;
  readonly source: string;
}

export interface LayerResult {
  readonly layer: Layer | undefined;
  readonly problems: Problem[];
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---------- file ----------

/** YAML's own messages end with " at line N, column M:" followed by a code excerpt; we print the position once. */
function yamlMessage(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");
}

export function readFileLayer(file: string, display: string, mustExist: boolean): LayerResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !mustExist) return { layer: undefined, problems: [] };
    const why =
      code === "ENOENT"
        ? "file not found"
        : code === "EISDIR"
          ? "is a folder, not a file"
          : `cannot be read (${code ?? String(e)})`;
    return { layer: undefined, problems: [{ text: `${display}: ${why}`, source: display }] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, lineCounter });
  const problems = [...doc.errors, ...doc.warnings].map((err) => {
    const pos = err.linePos?.[0];
    const where = pos ? `${display}:${pos.line}:${pos.col}` : display;
    return { text: `${where}: YAML syntax error: ${yamlMessage(err.message)}`, source: display };
  });
  if (problems.length) return { layer: undefined, problems };
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    return {
      layer: undefined,
      problems: [{ text: `${display}: YAML error: ${(e as Error).message}`, source: display }],
    };
  }
  if (data === null || data === undefined) data = {};
  if (!isPlainObject(data)) {
    const found = Array.isArray(data) ? "a list" : `the value ${JSON.stringify(data)}`;
    return {
      layer: undefined,
      problems: [
        {
          text: `${display}: expected settings (key: value lines such as "exchange:") at the top level, found ${found}`,
          source: display,
        },
      ],
    };
  }
  const origin = (path: ConfigPath): string => {
    const pos = locate(doc.contents, path);
    return pos === undefined ? display : `${display}:${lineCounter.linePos(pos).line}:${lineCounter.linePos(pos).col}`;
  };
  return { layer: { kind: "file", name: display, data, origin }, problems: [] };
}

/** Offset of the deepest node on `path`; for the last step of a map, the key (an unknown key points at itself). */
function locate(root: unknown, path: ConfigPath): number | undefined {
  let node = root as Node | null | undefined;
  let best = (node as Node | undefined)?.range?.[0];
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) return best;
      best = (pair.key as Node).range?.[0] ?? best;
      node = pair.value as Node | null;
    } else if (node && "items" in node && Array.isArray(node.items) && typeof key === "number") {
      node = node.items[key] as Node | undefined;
      best = node?.range?.[0] ?? best;
    } else {
      return best;
    }
  }
  return best;
}

// ---------- environment ----------

export const ENV_PREFIX = "CMA_";

/** `exchange.use_futures` → `CMA_EXCHANGE__USE_FUTURES`: capitals, `__` between levels, `_` inside a key name. */
export function envVarName(path: readonly string[]): string {
  return ENV_PREFIX + path.map((k) => k.toUpperCase()).join("__");
}

export function envLayer(env: Readonly<Record<string, string | undefined>>, schema: z.ZodType): LayerResult {
  const data: Record<string, unknown> = {};
  const varOf = new Map<string, string>();
  const problems: Problem[] = [];
  const bad = (text: string) => problems.push({ text, source: "environment" });
  const known = leafPaths(schema).map(envVarName);
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(ENV_PREFIX)) continue;
    const raw = env[name];
    if (raw === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split("__");
    const target = path.every((k) => k !== "") ? schemaAt(schema, path) : undefined;
    if (!target) {
      const hint = didYouMean(name, known);
      bad(
        `env ${name}: no such setting${hint ? ` (did you mean ${hint}?)` : ""}; ` +
          `setting names are ${ENV_PREFIX} + the key path in capitals with __ between levels, e.g. CMA_EXCHANGE__USE_FUTURES`,
      );
      continue;
    }
    if (isSection(target)) {
      const example = envVarName([...path, leafPaths(target)[0]?.[0] ?? "key"]);
      bad(`env ${name}: ${path.join(".")} is a section; set its keys one by one, e.g. ${example}`);
      continue;
    }
    let value: unknown;
    const doc = parseDocument(raw, { prettyErrors: true });
    if (doc.errors.length) {
      bad(`env ${name}: ${JSON.stringify(raw)} is not a valid value (${yamlMessage(doc.errors[0]?.message ?? "")})`);
      continue;
    }
    value = doc.toJS();
    // Lists are easier to type as `1d,4h` than as YAML flow syntax `[1d, 4h]`; both work, and empty means [].
    if (isList(target) && value === null) value = [];
    if (isList(target) && typeof value === "string") {
      value = value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    }
    setAt(data, path, value);
    varOf.set(path.join("."), name);
  }
  // Valid variables still count, so problems elsewhere are reported in the same run.
  const origin = (p: ConfigPath) => `env ${bestMatch(varOf, p) ?? "CMA_*"}`;
  return { layer: { kind: "env", name: "environment", data, origin }, problems };
}

// ---------- flags ----------

export function flagLayer(overrides: unknown, flagNames: Readonly<Record<string, string>>): Layer | undefined {
  if (!isPlainObject(overrides)) return undefined;
  const data = stripUndefined(overrides);
  const names = new Map(Object.entries(flagNames));
  return { kind: "flag", name: "command line", data, origin: (p) => `flag ${bestMatch(names, p) ?? "(command line)"}` };
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) ? stripUndefined(v) : v;
  }
  return out;
}

/** The entry for the longest prefix of `path` (list indices and deeper keys fall back to the key that set them). */
function bestMatch(map: ReadonlyMap<string, string>, path: ConfigPath): string | undefined {
  const keys = path.filter((k): k is string => typeof k === "string");
  for (let n = keys.length; n > 0; n--) {
    const hit = map.get(keys.slice(0, n).join("."));
    if (hit) return hit;
  }
  // An issue about a whole section (e.g. a cross-key check) is attributed to any key set inside it.
  const prefix = `${keys.join(".")}.`;
  for (const [k, v] of map) if (k.startsWith(prefix)) return v;
  return undefined;
}

// ---------- merging ----------

export function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = target;
  path.forEach((k, i) => {
    if (i === path.length - 1) {
      cur[k] = value;
      return;
    }
    const next = cur[k];
    if (!isPlainObject(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  });
}

export function getAt(root: unknown, path: ConfigPath): unknown {
  let cur = root;
  for (const k of path) {
    if (Array.isArray(cur) && typeof k === "number") cur = cur[k];
    else if (isPlainObject(cur) && typeof k === "string") cur = cur[k];
    else return undefined;
  }
  return cur;
}

/** Objects merge key by key; lists and scalars are replaced whole (a list from the environment replaces the file's). */
export function mergeLayers(layers: readonly Layer[]): Record<string, unknown> {
  const merge = (base: Record<string, unknown>, over: Readonly<Record<string, unknown>>) => {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
      const b = out[k];
      out[k] = isPlainObject(v) && isPlainObject(b) ? merge(b, v) : v;
    }
    return out;
  };
  return layers.reduce<Record<string, unknown>>((acc, l) => merge(acc, l.data), {});
}

/** True if the layer wrote the value at `path` or one that replaced it (a list, or a scalar where a section was). */
function touches(layer: Layer, path: ConfigPath): boolean {
  let cur: unknown = layer.data;
  for (const k of path) {
    if (!isPlainObject(cur)) return cur !== undefined;
    if (typeof k !== "string") return false;
    cur = cur[k];
  }
  return cur !== undefined;
}

/** Where the value at `path` came from: the highest-precedence layer that set it, else the built-in defaults. */
export function originOf(layers: readonly Layer[], path: ConfigPath): { layer: Layer | undefined; text: string } {
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i] as Layer;
    if (touches(l, path)) return { layer: l, text: l.origin(path) };
  }
  return { layer: undefined, text: "default" };
}
