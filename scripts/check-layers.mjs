#!/usr/bin/env node
// The architecture's import rules, checked over every .ts file under src/ (type-only imports count like any other):
//
// 1. Direction: the top-level folders of src/ are layers, in the order of LAYERS; a module may import only from its
//    own layer or layers listed before it. `sim` (the fake exchange) is test and demo infrastructure and sits above
//    the domain layers; files directly in src/ belong to `cli`.
// 2. No import cycles, between layers or inside one folder.
// 3. No deep imports: from another layer, a module may import only that layer's top-level files
//    (src/<layer>/<file>.ts) and the index.ts of a subfolder (src/<layer>/<folder>/index.ts). Everything else in a
//    subfolder is private to its layer.
//
// `node scripts/check-layers.mjs` prints "layers ok", or lists the problems and exits 1.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const LAYERS = [
  "core",
  "storage",
  "exchange",
  "indicators",
  "market",
  "agents",
  "signals",
  "learning",
  "sim",
  "ui",
  "app",
  "cli",
];

/**
 * Deep imports tolerated for now, as "importer -> imported" relative to src/. An entry whose import is gone is
 * reported too, so the list only ever shrinks.
 */
export const ALLOWED_DEEP_IMPORTS = [];

// Static imports and re-exports start a line (so examples in comments do not count); the clause before `from` holds
// only names, braces, commas and `*`.
const STATIC_IMPORT = /^[ \t]*(?:import|export)\s+(?:type\s+)?[\w$\s{},*]*?\bfrom\s*["']([^"']+)["']/gm;
const BARE_IMPORT = /^[ \t]*import\s*["']([^"']+)["']/gm;
// Dynamic imports and `import("…").Type` in type positions, outside comment lines.
const DYNAMIC_IMPORT = /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;

/**
 * The problems in the source tree at `root` (a folder laid out like src/), as readable lines naming files relative to
 * the folder above `root`; empty when the tree follows every rule. `allowedDeepImports` as ALLOWED_DEEP_IMPORTS.
 */
export function checkLayers(root, { layers = LAYERS, allowedDeepImports = [] } = {}) {
  const base = dirname(root);
  const show = (file) => relative(base, file).split(sep).join("/");
  const inSrc = (file) => relative(root, file).split(sep).join("/");
  const allowed = new Set(allowedDeepImports);
  const allowedSeen = new Set();
  const files = listTs(root);
  const graph = new Map();
  const problems = [];
  for (const file of files) {
    const from = layerOf(inSrc(file));
    const rank = layers.indexOf(from);
    if (rank < 0) {
      problems.push(`${show(file)}: folder src/${from} is not a known layer (${layers.join(" → ")})`);
      graph.set(file, []);
      continue;
    }
    const targets = [];
    for (const spec of importSpecifiers(readFileSync(file, "utf8"))) {
      const target = resolveImport(file, spec);
      if (!target?.startsWith(root + sep)) continue;
      targets.push(target);
      const to = layerOf(inSrc(target));
      if (to === from) continue;
      if (layers.indexOf(to) > rank) problems.push(`${show(file)}: ${from} must not import ${to} (${spec})`);
      const path = inSrc(target).split("/");
      if (path.length <= 2 || (path.length === 3 && path[2] === "index.ts")) continue;
      const allowance = `${inSrc(file)} -> ${inSrc(target)}`;
      if (allowed.has(allowance)) {
        allowedSeen.add(allowance);
        continue;
      }
      const entry = `src/${path.slice(0, 2).join("/")}/index.ts`;
      problems.push(
        `${show(file)}: deep import of ${show(target)} (${spec}); outside ${to}, import a top-level file of src/${to} or ${entry}`,
      );
    }
    graph.set(file, [...new Set(targets)].sort());
  }
  for (const a of allowed) {
    if (!allowedSeen.has(a)) problems.push(`allowed deep import "${a}" no longer occurs; remove it from the list`);
  }
  for (const cycle of importCycles(graph)) problems.push(`import cycle: ${cycle.map(show).join(" → ")}`);
  return problems;
}

function listTs(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTs(p));
    else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

function layerOf(pathInSrc) {
  const top = pathInSrc.split("/")[0];
  return top.endsWith(".ts") ? "cli" : top;
}

function importSpecifiers(text) {
  const specs = [];
  for (const m of text.matchAll(STATIC_IMPORT)) specs.push(m[1]);
  for (const m of text.matchAll(BARE_IMPORT)) specs.push(m[1]);
  for (const line of text.split("\n")) {
    if (/^\s*(?:\/\/|\/\*|\*)/.test(line)) continue;
    for (const m of line.matchAll(DYNAMIC_IMPORT)) specs.push(m[1]);
  }
  return specs.filter((s) => s.startsWith("."));
}

/** The .ts file a relative specifier names (`./x.js` is ./x.ts under NodeNext resolution), or null. */
function resolveImport(file, spec) {
  const target = resolve(dirname(file), spec);
  for (const candidate of [target.replace(/\.js$/, ".ts"), target]) {
    if (candidate.endsWith(".ts") && existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * Import cycles, each as the chain of files from its first file (in sort order) back to it. Every import that closes
 * a cycle appears in at least one chain: for each import a → b inside a strongly connected group of files, the
 * shortest way back from b to a.
 */
function importCycles(graph) {
  const cycles = new Map();
  for (const group of stronglyConnected(graph)) {
    const members = new Set(group);
    for (const a of group) {
      for (const b of graph.get(a)) {
        if (!members.has(b)) continue;
        const back = shortestPath(graph, members, b, a);
        const ring = [a, ...back.slice(0, -1)];
        const start = ring.indexOf([...ring].sort()[0]);
        const cycle = [...ring.slice(start), ...ring.slice(0, start)];
        cycles.set(cycle.join("\n"), [...cycle, cycle[0]]);
      }
    }
  }
  return [...cycles.keys()].sort().map((k) => cycles.get(k));
}

/** Tarjan's algorithm; only groups that hold a cycle (two or more files, or a file importing itself). */
function stronglyConnected(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const groups = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const group = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || graph.get(v).includes(v)) groups.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return groups;
}

/** Breadth-first path from `from` to `to` through `members`, both ends included. */
function shortestPath(graph, members, from, to) {
  const prev = new Map([[from, null]]);
  const queue = [from];
  while (queue.length) {
    const v = queue.shift();
    if (v === to) break;
    for (const w of graph.get(v)) {
      if (members.has(w) && !prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  const path = [];
  for (let v = to; v !== null; v = prev.get(v)) path.unshift(v);
  return path;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = checkLayers(resolve("src"), { allowedDeepImports: ALLOWED_DEEP_IMPORTS });
  if (problems.length) {
    console.error(`Layer violations (allowed direction: ${LAYERS.join(" → ")}):`);
    for (const p of problems) console.error(`  ${p}`);
    process.exit(1);
  }
  console.log("layers ok");
}
