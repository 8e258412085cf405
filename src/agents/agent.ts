/**
 * The shape every analysis agent shares. The analysis itself is a pure function over closed candles
 * (`analyzeX(input, options)`); an Agent is the thin adapter that reads what that function needs from a MarketView,
 * so live trading and replays (which differ only in the view's clock and store) run the exact same code.
 */
import type { MarketView } from "../market/market-view.js";

export interface Agent<Out> {
  /** Stable identifier, used as a key in reports and stored analyses (e.g. "sr-detector"). */
  readonly name: string;
  /** Analyses `symbol` as of `view.now()`, seeing only closed candles. The result is plain JSON (no NaN). */
  analyze(view: MarketView, symbol: string): Out;
}
