import { mkdtempSync } from "node:fs"; import { tmpdir } from "node:os"; import { join } from "node:path";
import { readKlineFile } from "./src/market/binance-csv.js";
import { CandleStore } from "./src/market/candle-store.js";
import { openDatabase } from "./src/storage/database.js";
import { StoreMarketView } from "./src/market/market-view.js";
import { SimulatedClock } from "./src/core/clock.js";
import { analyzeSymbol, createSymbolAnalysisAgent } from "./src/agents/symbol-analysis.js";
import { analyzeSupportResistance } from "./src/agents/sr-detector.js";
const dir = mkdtempSync(join(tmpdir(), "g-bench-")); const store = new CandleStore(openDatabase(join(dir, "x.db")));
for (const iv of ["1d","4h","1h"]) store.upsert({exchange:"binance",market:"spot",symbol:"BTCUSDT",interval:iv as any}, readKlineFile(`assets/candles/binance-spot/BTCUSDT-${iv}.csv.gz`));
const clock = new SimulatedClock(Date.parse("2024-06-01T00:00Z"));
const view = new StoreMarketView({store, clock, exchange:"binance", market:"spot"});
const agent = createSymbolAnalysisAgent();
for (let r=0;r<3;r++){ const t=performance.now(); for (let i=0;i<200;i++){ clock.advance(3600_000); agent.analyze(view,"BTCUSDT"); } console.log("analyzeSymbol step", ((performance.now()-t)/200*1000).toFixed(0), "µs"); }
// cost without view: pre-read
const raw: any = {}; for (const iv of ["1M","1w","3d","1d","4h","1h","15m"]) raw[iv] = view.closed("BTCUSDT", iv as any, 500);
const fake = { now: () => clock.now(), closed: (s: string, iv: any, n: number) => raw[iv].slice(-n), forming: () => undefined };
for (let r=0;r<3;r++){ const t=performance.now(); for (let i=0;i<200;i++) agent.analyze(fake as any,"BTCUSDT"); console.log("analyzeSymbol no-IO", ((performance.now()-t)/200*1000).toFixed(0), "µs"); }
for (let r=0;r<3;r++){ const t=performance.now(); for (let i=0;i<200;i++) analyzeSupportResistance({candles: raw, price: raw["1h"].at(-1).close, now: clock.now()}); console.log("sr only", ((performance.now()-t)/200*1000).toFixed(0), "µs"); }
import { CandleSeries } from "./src/agents/candle-series.js";
import { analyzePriceAction } from "./src/agents/price-action.js";
import { analyzeMomentum } from "./src/agents/momentum.js";
import { analyzeVolumeSpike } from "./src/agents/volume-spike.js";
import { analyzeVolumeProfile } from "./src/agents/volume-profile.js";
import { analyzeOrderFlow } from "./src/agents/order-flow.js";
import { assertJsonSafe } from "./src/agents/json-safe.js";
const T = (name: string, f: () => void) => { let dt=0; for (let r=0;r<5;r++){ const t=performance.now(); for (let i=0;i<200;i++) f(); dt=(performance.now()-t)/200*1000;} console.log(name, dt.toFixed(0), "µs"); };
T("3 series + snapshot inds", () => { for (const iv of ["1h","4h","1d"]) { const s = new CandleSeries(raw[iv]); s.rsi(14); s.macd(12,26,9); s.atr(14); s.obv(); } });
const s1 = new CandleSeries(raw["1h"]); const s4 = new CandleSeries(raw["4h"]);
for (const s of [s1,s4]) { s.rsi(14); s.macd(12,26,9); s.atr(14); s.obv(); }
T("PA (shared)", () => analyzePriceAction({candles: s1, zones: []}));
T("momentum 2tf (shared)", () => analyzeMomentum({candles: {"1h": s1, "4h": s4}}));
T("volume (shared)", () => analyzeVolumeSpike({candles: s1}));
T("profile", () => analyzeVolumeProfile({candles: raw["1h"]}));
T("orderflow", () => analyzeOrderFlow({candles: raw["1h"]}));
const a = agent.analyze(fake as any, "BTCUSDT");
T("jsonsafe", () => assertJsonSafe(a, "x"));
