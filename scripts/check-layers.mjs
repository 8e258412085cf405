#!/usr/bin/env node
// Enforces the one-way flow of the architecture: a module may import only from its own layer or layers listed
// before it. `sim` (the fake exchange) is test and demo infrastructure and sits above the domain layers.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";

const LAYERS = [
  "core",
  "storage",
  "exchange",
  "market",
  "indicators",
  "agents",
  "signals",
  "learning",
  "sim",
  "ui",
  "app",
  "cli",
];
const root = resolve("src");
const problems = [];

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith(".ts")) check(p);
  }
}

function layerOf(file) {
  const top = relative(root, file).split(sep)[0];
  return top.endsWith(".ts") ? "cli" : top;
}

function check(file) {
  const from = layerOf(file);
  const rank = LAYERS.indexOf(from);
  if (rank < 0) {
    problems.push(`${relative(".", file)}: folder src/${from} is not a known layer (${LAYERS.join(" → ")})`);
    return;
  }
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)["'](\.[^"']+)["']/g)) {
    const target = resolve(join(file, ".."), m[1]);
    if (!target.startsWith(root)) continue;
    const to = layerOf(target);
    if (LAYERS.indexOf(to) > rank) problems.push(`${relative(".", file)}: ${from} must not import ${to} (${m[1]})`);
  }
}

walk(root);
if (problems.length) {
  console.error(`Layer violations (allowed direction: ${LAYERS.join(" → ")}):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log("layers ok");
