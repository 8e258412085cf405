import { syntheticOhlcv } from "../bench/indicators.ts";
import { rsi, atr } from "../src/indicators/index.ts";
const d = syntheticOhlcv(1_000_000);
const T = (name: string, f: () => unknown) => { let b = 1e9; for (let r = 0; r < 15; r++) { const t0 = performance.now(); f(); b = Math.min(b, performance.now() - t0); } console.log(name, b.toFixed(1)); };
T("atr", () => atr(d.high, d.low, d.close, 14));
T("rsi", () => rsi(d.close, 14));
T("rsi2", () => rsi(d.close, 2));
T("atr", () => atr(d.high, d.low, d.close, 14));
