/**
 * Deterministic pseudo-random numbers from integers: the synthetic market and the synthetic order book are pure
 * functions of (symbol, time), so any request can be answered without state and always the same way.
 */

/** A 32-bit finaliser (murmur3 fmix): one call turns a key into well-spread bits. */
export function mix(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Uniform in [0, 1) from four numbers (the last may exceed 32 bits, e.g. a timestamp). */
export function hash01(a: number, b: number, c: number, d: number): number {
  let h = mix(a ^ 0x9e3779b9);
  h = mix(h ^ b);
  h = mix(h ^ c);
  h = mix(h ^ (d | 0) ^ Math.floor(d / 4294967296));
  return h / 4294967296;
}

/** 32-bit FNV-1a of a string (symbol names → integer keys). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function mixSeed(seed: number): number {
  return mix(seed ^ 0x2545f491);
}
