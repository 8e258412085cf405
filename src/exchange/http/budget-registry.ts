/**
 * One weight budget per exchange host per process. Binance limits by IP, so two adapters for the same host in one
 * process (say a sync and a live stream back-fill) must draw from one budget, not each believe they own the
 * whole limit. The budget lives while at least one holder has not released it; the first holder's options
 * (clock, limit, margin) configure it.
 */
import type { WeightBudget } from "./weight-budget.js";

const shared = new Map<string, { budget: WeightBudget; holders: number }>();

export interface BudgetLease {
  readonly budget: WeightBudget;
  /** Idempotent. The last release closes the budget. */
  release(): void;
}

export function leaseBudget(key: string, create: () => WeightBudget): BudgetLease {
  let entry = shared.get(key);
  if (!entry) {
    entry = { budget: create(), holders: 0 };
    shared.set(key, entry);
  }
  entry.holders++;
  const e = entry;
  let released = false;
  return {
    budget: e.budget,
    release() {
      if (released) return;
      released = true;
      e.holders--;
      if (e.holders === 0) {
        if (shared.get(key) === e) shared.delete(key);
        e.budget.close();
      }
    },
  };
}
