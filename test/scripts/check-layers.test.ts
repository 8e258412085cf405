import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ALLOWED_DEEP_IMPORTS, checkLayers } from "../../scripts/check-layers.mjs";
import { PROJECT_ROOT } from "../../src/core/paths.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cma-layers-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (paths under src/ → source) into a fresh tree and returns its src folder. */
function tree(files: Record<string, string>): string {
  const src = join(dir, "src");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  return src;
}

// A small tree that follows every rule: down the layers, through public entries only, no cycle.
const clean = {
  "core/interval.ts": `export const HOUR = 3_600_000;\n`,
  "core/clock.ts": `import { HOUR } from "./interval.js";\nexport const tick = HOUR;\n`,
  "exchange/exchange.ts": `import type { HOUR } from "../core/interval.js";\nexport type Id = typeof HOUR;\n`,
  "exchange/binance/parse.ts": `export const parse = (s: string) => s;\n`,
  "exchange/binance/index.ts": `export { parse } from "./parse.js";\n`,
  "market/sync.ts": [
    `import { tick } from "../core/clock.js";`,
    `import { parse } from "../exchange/binance/index.js";`,
    `import type { Id } from "../exchange/exchange.js";`,
    `// An example in a comment is no import: import { x } from "../app/run.js";`,
    `export const sync = (id: Id) => parse(String(id + tick));`,
    ``,
  ].join("\n"),
  "app/run.ts": `export async function run() {\n  return (await import("../market/sync.js")).sync;\n}\n`,
  "main.ts": `import { run } from "./app/run.js";\nvoid run();\n`,
};

describe("checkLayers", () => {
  it("passes a tree that follows every rule", () => {
    expect(checkLayers(tree(clean))).toEqual([]);
  });

  it("reports an import against the direction, with the specifier", () => {
    const src = tree({
      ...clean,
      "core/late.ts": `import { sync } from "../market/sync.js";\nexport const l = sync;\n`,
    });
    expect(checkLayers(src)).toEqual(["src/core/late.ts: core must not import market (../market/sync.js)"]);
  });

  it("reports a cycle inside one folder as the chain of files", () => {
    const src = tree({
      ...clean,
      "core/a.ts": `import { b } from "./b.js";\nexport const a = () => b();\n`,
      "core/b.ts": `import { c } from "./c.js";\nexport const b = () => c();\n`,
      "core/c.ts": `import { a } from "./a.js";\nexport const c = () => a();\n`,
    });
    expect(checkLayers(src)).toEqual(["import cycle: src/core/a.ts → src/core/b.ts → src/core/c.ts → src/core/a.ts"]);
  });

  it("reports every import that closes a cycle: two cycles through one file are two chains", () => {
    const src = tree({
      ...clean,
      "ui/hub.ts": `import { a } from "./a.js";\nimport { b } from "./b.js";\nexport const hub = () => a() + b();\n`,
      "ui/a.ts": `import { hub } from "./hub.js";\nexport const a = () => hub();\n`,
      "ui/b.ts": `import { hub } from "./hub.js";\nexport const b = () => hub();\n`,
    });
    expect(checkLayers(src)).toEqual([
      "import cycle: src/ui/a.ts → src/ui/hub.ts → src/ui/a.ts",
      "import cycle: src/ui/b.ts → src/ui/hub.ts → src/ui/b.ts",
    ]);
  });

  it("reports a cycle made only of type imports and re-exports", () => {
    const src = tree({
      ...clean,
      "market/view.ts": `import type { Store } from "./store.js";\nexport interface View { store: Store }\n`,
      "market/store.ts": `export type { View } from "./view.js";\nexport interface Store { n: number }\n`,
    });
    expect(checkLayers(src)).toEqual(["import cycle: src/market/store.ts → src/market/view.ts → src/market/store.ts"]);
  });

  it("reports a cycle through type positions of dynamic imports across folders", () => {
    const src = tree({
      ...clean,
      "app/x/a.ts": `export type A = import("../y/b.js").B;\n`,
      "app/y/b.ts": `import type { A } from "../x/a.js";\nexport type B = A[];\n`,
    });
    expect(checkLayers(src)).toEqual(["import cycle: src/app/x/a.ts → src/app/y/b.ts → src/app/x/a.ts"]);
  });

  it("reports a deep import into another layer's subfolder, and names the public entry", () => {
    const src = tree({
      ...clean,
      "market/sync.ts": `import { parse } from "../exchange/binance/parse.js";\nparse("");\n`,
    });
    expect(checkLayers(src)).toEqual([
      "src/market/sync.ts: deep import of src/exchange/binance/parse.ts (../exchange/binance/parse.js); " +
        "outside exchange, import a top-level file of src/exchange or src/exchange/binance/index.ts",
    ]);
  });

  it("lets a layer reach into its own subfolders, and tolerates allow-listed deep imports", () => {
    const deep = { ...clean, "market/sync.ts": `import { parse } from "../exchange/binance/parse.js";\nparse("");\n` };
    const own = `import { parse } from "./binance/parse.js";\nexport const p = parse;\n`;
    const src = tree({ ...deep, "exchange/exchange.ts": own });
    expect(checkLayers(src, { allowedDeepImports: ["market/sync.ts -> exchange/binance/parse.ts"] })).toEqual([]);
  });

  it("reports an allowed deep import that no longer occurs", () => {
    const allowedDeepImports = ["market/sync.ts -> exchange/binance/parse.ts"];
    expect(checkLayers(tree(clean), { allowedDeepImports })).toEqual([
      'allowed deep import "market/sync.ts -> exchange/binance/parse.ts" no longer occurs; remove it from the list',
    ]);
  });

  it("reports a folder that is not a layer", () => {
    const src = tree({ ...clean, "misc/util.ts": `export const u = 1;\n` });
    expect(checkLayers(src)).toEqual([
      "src/misc/util.ts: folder src/misc is not a known layer " +
        "(core → storage → exchange → indicators → market → agents → signals → learning → sim → ui → app → cli)",
    ]);
  });

  it("as a command, with the project's allowed deep imports: exits 1 with the list, or prints layers ok", () => {
    const script = join(PROJECT_ROOT, "scripts", "check-layers.mjs");
    // The command checks ./src with the project's allowances, so the tree holds exactly those deep imports.
    const allowed: Record<string, string> = {};
    for (const a of ALLOWED_DEEP_IMPORTS) {
      const [from, to] = a.split(" -> ") as [string, string];
      allowed[to] = `export const x = 1;\n`;
      allowed[from] =
        `import { x } from "${relative(dirname(from), to).replace(/\.ts$/, ".js")}";\nexport const y = x;\n`;
    }
    const bad = tree({
      ...clean,
      ...allowed,
      "core/late.ts": `import { sync } from "../market/sync.js";\nexport const l = sync;\n`,
    });
    const failed = spawnSync(process.execPath, [script], { cwd: dirname(bad), encoding: "utf8" });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain("  src/core/late.ts: core must not import market (../market/sync.js)\n");
    rmSync(join(bad, "core/late.ts"));
    const ok = spawnSync(process.execPath, [script], { cwd: dirname(bad), encoding: "utf8" });
    expect([ok.status, ok.stdout]).toEqual([0, "layers ok\n"]);
  });
});
