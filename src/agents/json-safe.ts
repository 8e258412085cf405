/**
 * Agent results are stored, exported and printed as JSON, where NaN and Infinity silently become null and undefined
 * silently disappears. This check finds them (and anything that is not plain data) before that can happen.
 */
import { DataError } from "../core/errors.js";

/** Every place in `value` that JSON would not round-trip exactly, as "path: what", at most `limit` of them. */
export function jsonSafetyProblems(value: unknown, root = "$", limit = 20): string[] {
  const problems: string[] = [];
  // Objects on the path from the root: a shared object is fine in JSON, only a cycle is not.
  const onPath = new Set<object>();
  // The path is kept as a stack of keys and spelled out only for a problem: a clean result (the usual case) then
  // costs one walk and no string building.
  const keys: (string | number)[] = [];
  const report = (what: string) => {
    let at = root;
    for (const k of keys) at += typeof k === "number" ? `[${k}]` : `.${k}`;
    problems.push(`${at}: ${what}`);
  };
  const visit = (v: unknown): void => {
    if (problems.length >= limit) return;
    switch (typeof v) {
      case "string":
      case "boolean":
        return;
      case "number":
        if (!Number.isFinite(v)) report(String(v));
        return;
      case "undefined":
        report("undefined");
        return;
      case "object": {
        if (v === null) return;
        if (onPath.has(v)) {
          report("contains itself (a cycle)");
          return;
        }
        const isArray = Array.isArray(v);
        const proto = isArray ? null : Object.getPrototypeOf(v);
        if (!isArray && proto !== Object.prototype && proto !== null) {
          report(`a ${proto?.constructor?.name ?? "non-plain"} object, not plain data`);
          return;
        }
        onPath.add(v);
        if (isArray) {
          for (let i = 0; i < v.length; i++) {
            keys.push(i);
            visit(v[i]);
            keys.pop();
          }
        } else {
          const o = v as Record<string, unknown>;
          for (const k in o) {
            keys.push(k);
            visit(o[k]);
            keys.pop();
          }
        }
        onPath.delete(v);
        return;
      }
      default:
        report(`a ${typeof v}`);
    }
  };
  visit(value);
  return problems;
}

/**
 * True when `value` is certainly plain JSON data: the same rules as jsonSafetyProblems without keeping a path or a
 * set of the objects on it, which is most of that walk's cost. Anything nested deeper than `depth` (a cycle, or
 * absurdly deep data) answers false, so the careful walk decides.
 */
function plainJson(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v);
    case "object": {
      if (v === null) return true;
      if (depth === 0) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!plainJson(v[i], depth - 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      const o = v as Record<string, unknown>;
      for (const k in o) if (!plainJson(o[k], depth - 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/**
 * Throws a DataError listing the problems unless `value` is plain JSON data without NaN, Infinity or undefined.
 * `what` names the value in the message; a function is called only when there is a message to write.
 */
export function assertJsonSafe(value: unknown, what: string | (() => string)): void {
  // The quick check passes on every clean result; only a suspect one gets the walk that names the problems.
  if (plainJson(value, 64)) return;
  const problems = jsonSafetyProblems(value);
  if (problems.length > 0) {
    throw new DataError(
      `${typeof what === "string" ? what : what()} is not plain JSON data:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
      {
        hint: "This is a bug in the analysis; please report it with the symbol and time.",
      },
    );
  }
}
