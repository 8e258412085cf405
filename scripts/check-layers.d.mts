// Types for check-layers.mjs, so the tests can call it.
export declare const LAYERS: readonly string[];
export declare const ALLOWED_DEEP_IMPORTS: readonly string[];
export declare function checkLayers(
  root: string,
  options?: { readonly layers?: readonly string[]; readonly allowedDeepImports?: readonly string[] },
): string[];
