/**
 * Running sums for sliding windows that stay exact to about one rounding of the CURRENT window, however long the
 * series and whatever passed through it.
 *
 * A rolling sum adds each value once and subtracts it once. Every addition leaves a rounding error of the order of
 * the sum at that moment, so a plain running sum keeps the error of the largest values it ever held: after a volume
 * spike, or with a long series, that error can exceed the values now in the window. Neumaier compensation removes
 * most of it; what remains is second order in the values that passed through, and `stale` reports when even that
 * could matter (the sum has shrunk a million-fold below what flowed through it), so the owner rebuilds the sum from
 * the window's values. Rebuilds are rare on market data — after a spike leaves the window, and otherwise about once
 * per 500 000 · period values — so the cost stays O(1) per value in practice and O(period) at worst.
 */
export class CompensatedSum {
  s = 0;
  c = 0;

  add(x: number): void {
    const t = this.s + x;
    if (Math.abs(this.s) >= Math.abs(x)) this.c += this.s - t + x;
    else this.c += x - t + this.s;
    this.s = t;
  }

  get value(): number {
    return this.s + this.c;
  }
}

/** A compensated window sum that knows when to be rebuilt. Fields are public so owners can snapshot them. */
export class WindowSum extends CompensatedSum {
  /** Σ|x| of every term added or removed since the last rebuild. */
  churn = 0;

  override add(x: number): void {
    super.add(x);
    this.churn += Math.abs(x);
  }

  /** Cancellation may have cost more than six of the sixteen digits. */
  get stale(): boolean {
    return Math.abs(this.s + this.c) < 1e-6 * this.churn;
  }

  /** Recomputes the sum of values[from..to), oldest first. */
  rebuild(values: ArrayLike<number>, from: number, to: number): void {
    this.s = 0;
    this.c = 0;
    this.churn = 0;
    for (let j = from; j < to; j++) this.add(values[j]!);
  }
}
