/**
 * `f` remembered per argument object (weakly: an entry goes with its object). For resolving options: callers pass
 * the same read-only options object on every cycle, and resolving them each time (defaults, validation) cost as much
 * as a small agent. A call that throws remembers nothing.
 */
export function memoByObject<K extends object, V>(f: (key: K) => V): (key: K) => V {
  const memo = new WeakMap<K, V>();
  return (key) => {
    let v = memo.get(key);
    if (v === undefined) {
      v = f(key);
      memo.set(key, v);
    }
    return v;
  };
}
