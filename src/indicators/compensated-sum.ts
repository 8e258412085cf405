/**
 * A running sum with Neumaier (improved Kahan–Babuška) compensation. Rolling windows add each value once and subtract
 * it once; a plain running sum keeps the rounding error of every value that ever passed through, which after a volume
 * spike or a long series is far above the precision of the values in the current window. The compensated sum's error
 * stays near one rounding of the current total.
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
