import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isScalar, type Node, parseDocument, type YAMLMap } from "yaml";
import { describe, expect, it } from "vitest";
import { configSchema, defaultConfig, loadConfig } from "../../src/app/config.js";
import { leafPaths } from "../../src/core/config-walk.js";
import { PROJECT_ROOT } from "../../src/core/paths.js";

const EXAMPLE = join(PROJECT_ROOT, "config.example.yaml");

/** Every key in the example file that holds a value (sections are walked into), with whether it has a comment. */
function exampleKeys(): { path: string; commented: boolean }[] {
  const doc = parseDocument(readFileSync(EXAMPLE, "utf8"));
  const out: { path: string; commented: boolean }[] = [];
  const walk = (map: YAMLMap, prefix: string[]) => {
    map.items.forEach((pair, i) => {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const value = pair.value as Node | null;
      // The yaml library attaches the comment above a map's first key to the map itself.
      const above = i === 0 ? map.commentBefore : (pair.key as Node).commentBefore;
      const commented = Boolean(above?.trim() || (value && "comment" in value && value.comment?.trim()));
      if (isMap(value)) walk(value, [...prefix, key]);
      else out.push({ path: [...prefix, key].join("."), commented });
    });
  };
  walk(doc.contents as YAMLMap, []);
  return out;
}

describe("config.example.yaml", () => {
  it("parses to exactly the built-in defaults", () => {
    expect(loadConfig({ file: EXAMPLE, cwd: PROJECT_ROOT, env: {} })).toEqual(defaultConfig(PROJECT_ROOT));
  });

  it("has every schema key and no other", () => {
    const schemaKeys = leafPaths(configSchema).map((p) => p.join("."));
    expect(exampleKeys().map((k) => k.path)).toEqual(schemaKeys);
  });

  it("explains every key in a comment", () => {
    const silent = exampleKeys().filter((k) => !k.commented);
    expect(silent).toEqual([]);
  });
});
