/**
 * Reads the shape of the config schema: which keys a section has, whether a key is a list, what a leaf accepts.
 * Used to suggest keys, map environment variables to keys, and phrase errors. Relies on zod 4's documented
 * `_zod.def` (type, innerType, in, shape, element) meant for tools that walk schemas.
 */
import type { z } from "zod";
import { allowedRegistry } from "./config-schema.js";

export type ConfigPath = readonly (string | number)[];

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly element?: z.ZodType;
}

function defOf(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

const WRAPPERS = new Set(["default", "prefault", "nullable", "optional", "readonly", "catch", "nonoptional"]);

/** The schema without defaults, nullability and input pipes: the thing that decides the value's kind. */
export function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    if (WRAPPERS.has(d.type) && d.innerType) cur = d.innerType;
    else if (d.type === "pipe" && d.in) cur = d.in;
    else return cur;
  }
}

/** The `allowed` words registered on the schema or anything it wraps. */
export function allowedOf(s: z.ZodType): string | undefined {
  let cur: z.ZodType | undefined = s;
  while (cur) {
    const meta = allowedRegistry.get(cur);
    if (meta) return meta.allowed;
    const d = defOf(cur);
    cur = WRAPPERS.has(d.type) ? d.innerType : d.type === "pipe" ? d.in : undefined;
  }
  return undefined;
}

export function keysOf(s: z.ZodType): string[] | undefined {
  const d = defOf(unwrap(s));
  return d.type === "object" && d.shape ? Object.keys(d.shape) : undefined;
}

export function isSection(s: z.ZodType): boolean {
  return defOf(unwrap(s)).type === "object";
}

export function isList(s: z.ZodType): boolean {
  return defOf(unwrap(s)).type === "array";
}

export function childAt(s: z.ZodType, key: string | number): z.ZodType | undefined {
  const d = defOf(unwrap(s));
  if (d.type === "object" && typeof key === "string" && d.shape)
    return Object.hasOwn(d.shape, key) ? d.shape[key] : undefined;
  if (d.type === "array" && typeof key === "number") return d.element;
  return undefined;
}

export function schemaAt(root: z.ZodType, path: ConfigPath): z.ZodType | undefined {
  let cur: z.ZodType | undefined = root;
  for (const key of path) {
    if (!cur) return undefined;
    cur = childAt(cur, key);
  }
  return cur;
}

/** Every settable key (sections are not keys; lists are), depth first in schema order. */
export function leafPaths(root: z.ZodType, prefix: string[] = []): string[][] {
  const keys = keysOf(root);
  if (!keys) return [prefix];
  return keys.flatMap((k) => leafPaths(childAt(root, k) as z.ZodType, [...prefix, k]));
}

/** `exchange.rest_url`, `sr_detector.timeframes[2]`. */
export function formatPath(path: ConfigPath): string {
  let out = "";
  for (const k of path) out += typeof k === "number" ? `[${k}]` : out ? `.${k}` : k;
  return out || "(top level)";
}
