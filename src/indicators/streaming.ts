/**
 * The one contract every streaming indicator follows, modelled on the `trading-signals` package (`add`/`replace`):
 *
 * - `update(input)` takes the next input in O(1) (a few indicators that must look at a whole window say so) and
 *   returns the new value, or `undefined` while warming up.
 * - `replace(input)` swaps the LAST input for another one — the still-forming live candle — and returns exactly what
 *   `update(input)` would have returned had that input been given instead. Replacing before any update is an update.
 * - `value` is the latest result, `isStable` says whether the warm-up is over, `requiredInputs` is how many inputs the
 *   first value needs (the batch form's first valid index + 1), `count` how many inputs were taken (replace does not
 *   count).
 *
 * Replace is exact, not approximate: before each update the indicator remembers its state, and replace goes back to
 * that snapshot and steps again. So "replace with x" is bit-for-bit the same as "update with x", however many times
 * the live candle changes.
 */
export interface StreamingIndicator<In, Out = number> {
  readonly requiredInputs: number;
  readonly count: number;
  readonly isStable: boolean;
  readonly value: Out | undefined;
  update(input: In): Out | undefined;
  replace(input: In): Out | undefined;
}

export abstract class StreamingBase<In, Out> implements StreamingIndicator<In, Out> {
  abstract readonly requiredInputs: number;
  #count = 0;
  #value: Out | undefined = undefined;

  get count(): number {
    return this.#count;
  }

  get isStable(): boolean {
    return this.#count >= this.requiredInputs;
  }

  get value(): Out | undefined {
    return this.#value;
  }

  update(input: In): Out | undefined {
    this.check(input);
    this.save();
    this.#count++;
    this.#value = this.step(input, this.#count - 1);
    return this.#value;
  }

  replace(input: In): Out | undefined {
    if (this.#count === 0) return this.update(input);
    this.check(input);
    this.restore();
    this.#value = this.step(input, this.#count - 1);
    return this.#value;
  }

  /** Throws on a bad input. Runs before any state changes, so a rejected input leaves the indicator untouched. */
  protected abstract check(input: In): void;
  /** Remembers the state as it is before the next step. */
  protected abstract save(): void;
  /** Returns to the state remembered by the last `save`. */
  protected abstract restore(): void;
  /** Advances the state by one input (the `index`-th, from 0) and returns the value at that input. */
  protected abstract step(input: In, index: number): Out | undefined;
}
