/**
 * Starts one of this folder's worker modules on a thread: `<name>.js` next to this file in the compiled build,
 * `<name>.ts` when running from the sources (tsx, vitest). Node 20 does not apply `--import tsx` from a Worker's
 * execArgv to the worker's entry module (it fails with ERR_UNKNOWN_FILE_EXTENSION), so for .ts the worker starts from
 * a two-line bootstrap that registers tsx through its documented API (tsx/esm/api `register`) and then imports the
 * worker module.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { CmaError } from "../core/errors.js";

/** `modulePath` relative to this folder without its extension, e.g. "optimize/trial-worker". */
export function startWorkerModule(modulePath: string, workerData: unknown): Worker {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    const target = new URL(`./${modulePath}.ts`, here).href;
    const code =
      `import(${JSON.stringify(tsxApiUrl())})` +
      `.then((tsx) => { tsx.register(); return import(${JSON.stringify(target)}); });`;
    return new Worker(code, { eval: true, workerData });
  }
  return new Worker(new URL(`./${modulePath}.js`, here), { workerData });
}

function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve("tsx/package.json");
  } catch (e) {
    throw new CmaError("Running worker threads from the TypeScript sources needs the tsx devDependency.", {
      hint: "Run `npm ci` in the project folder, or use the compiled build (`npm run build`, then ./bin/cma).",
      cause: e,
    });
  }
  // tsx's "./esm/api" export for `import`; resolved by hand because createRequire resolves its `require` variant.
  const api = join(dirname(pkg), "dist", "esm", "api", "index.mjs");
  if (!existsSync(api)) throw new CmaError(`tsx's ESM API was not found at ${api}; reinstall with \`npm ci\`.`);
  return pathToFileURL(api).href;
}
