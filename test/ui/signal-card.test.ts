import stringWidth from "string-width";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import type { Signal, SignalEvidence, SignalZone } from "../../src/signals/signal.js";
import { createColors, noColors, stripAnsi } from "../../src/ui/colors.js";
import { renderSignalCard } from "../../src/ui/signal-card.js";

const color = createColors(true);
const lines = (s: string) => s.replace(/\n$/, "").split("\n");

function zone(over: Partial<SignalZone> = {}): SignalZone {
  return {
    low: 44_400,
    high: 44_600,
    price: 44_500,
    type: "support",
    touches: 3,
    timeframes: ["1d", "4h"],
    score: 0.8,
    ...over,
  };
}

function evidence(over: Partial<SignalEvidence> = {}): SignalEvidence {
  return {
    items: [],
    components: { price_action: 0.15, momentum: 0.15, volume: 0.1, sr: 0.2, learning: 0 },
    zones: [zone(), zone({ price: 44_800, touches: 5, timeframes: ["4h"], low: 44_700, high: 44_900 })],
    rsi: { "15m": 28.5, "1h": 29.9, "4h": 41.2 },
    rsiExtremeOn: ["1h", "15m"],
    volumeRatio: 2.3,
    volumeZScore: 2.7,
    volumeTrend: "INCREASING",
    breakoutPct: 3.8,
    learning: { winRate: 0.82, n: 45, low: 0.47, high: 0.75 },
    ...over,
  };
}

const RATIONALE =
  "Bullish breakout (+3.8%) | Oversold RSI | Volume spike (z-score: 2.7) | Daily S/R confluence | " +
  "High probability based on 45 similar historical trades";

function longSignal(over: Partial<Signal> = {}): Signal {
  return {
    id: "sig-1",
    symbol: "BTCUSDT",
    direction: "LONG",
    time: Date.UTC(2026, 0, 5),
    entry: 45_230.5,
    stop: 44_325.79,
    targets: [47_039.92, 48_344.63, 49_649.34],
    riskReward: 2,
    confidence: 0.75,
    positionSizePct: 100,
    rationale: RATIONALE,
    evidence: evidence(),
    ...over,
  };
}

function shortSignal(over: Partial<Signal> = {}): Signal {
  return longSignal({
    id: "sig-2",
    symbol: "ETHUSDT",
    direction: "SHORT",
    entry: 3_000,
    stop: 3_060,
    targets: [2_880, 2_800, 2_700],
    riskReward: 2,
    confidence: 0.62,
    positionSizePct: 75,
    rationale: "Breakdown (-2.1%) | Overbought RSI | Weekly resistance",
    evidence: evidence({
      zones: [
        zone({ type: "resistance", price: 3_050, low: 3_040, high: 3_060, timeframes: ["1w", "1d"], touches: 4 }),
      ],
      rsi: { "1h": 74.26, "4h": 71.04 },
      rsiExtremeOn: ["4h", "1h"],
      volumeRatio: null,
      volumeTrend: null,
      learning: null,
    }),
    ...over,
  });
}

/** Every row (borders included) is exactly `width` columns and both borders sit at column 0 and width-1. */
function expectAligned(card: string, width = 68): void {
  const rows = lines(card);
  for (const row of rows) {
    expect(stringWidth(row), JSON.stringify(row)).toBe(width);
    expect("┌│├└").toContain(row[0]);
    expect("┐│┤┘").toContain(row[row.length - 1]);
  }
}

function renderBoth(signal: Signal, opts: { width?: number; tickSize?: number } = {}) {
  const plain = renderSignalCard(signal, { index: 1, colors: noColors, ...opts });
  const colored = renderSignalCard(signal, { index: 1, colors: color, ...opts });
  return { plain, colored };
}

function line(card: string, marker: string): string {
  const found = lines(card).find((l) => l.includes(marker));
  if (found === undefined) throw new Error(`no line with ${marker} in\n${card}`);
  return found.slice(1, -1).trimEnd();
}

describe("renderSignalCard", () => {
  it("renders the card for a fixed LONG signal (golden)", () => {
    const card = renderSignalCard(longSignal(), { index: 1, colors: noColors });
    expect(card).toBe(
      [
        "┌──────────────────────────────────────────────────────────────────┐",
        "│ 🚀 Signal #1: BTCUSDT                                            │",
        "├──────────────────────────────────────────────────────────────────┤",
        "│  ACTION:  📈 🟢 BUY LONG                                         │",
        "├──────────────────────────────────────────────────────────────────┤",
        "│                                                                  │",
        "│  📍 Entry:      $45,230.50                                       │",
        "│  🛑 Stop Loss:  $44,325.79  (-2.00%)                             │",
        "│  🎯 Target 1:   $47,039.92  (+4.00%)                             │",
        "│  🎯 Target 2:   $48,344.63  (+6.89%)                             │",
        "│  🎯 Target 3:   $49,649.34  (+9.77%)                             │",
        "│                                                                  │",
        "│  ⚖️  Risk:Reward  1:2.0                                          │",
        "│  📊 Confidence:  75%  ████████░░                                 │",
        "│  💼 Position Size: 100% of normal                                │",
        "│                                                                  │",
        "│  🌟 HTF S/R: DAILY support @ $44,500 (3 touches)                 │",
        "│  🌟 HTF S/R: 4H support @ $44,800 (5 touches)                    │",
        "│  📊 Volume: 2.3x average (INCREASING)                            │",
        "│  📈 RSI: 28.5 (OVERSOLD on 15m, 1h)                              │",
        "│  🎓 Learning Agent: 82% win rate (n=45, 95% CI 47–75%) for       │",
        "│     similar setups                                               │",
        "│                                                                  │",
        "│  💡 Bullish breakout (+3.8%) | Oversold RSI | Volume spike       │",
        "│     (z-score: 2.7) | Daily S/R confluence | High probability     │",
        "│     based on 45 similar historical trades                        │",
        "└──────────────────────────────────────────────────────────────────┘",
        "",
      ].join("\n"),
    );
  });

  const cases: [string, Signal, { width?: number; tickSize?: number }][] = [
    ["LONG", longSignal(), {}],
    ["SHORT", shortSignal(), {}],
    [
      "tiny-price coin",
      longSignal({
        symbol: "PEPEUSDT",
        entry: 0.000012345,
        stop: 0.000011987,
        targets: [0.000013061, 0.000013777, 0.000014493],
        evidence: evidence({ zones: [zone({ price: 0.000012, low: 0.0000119, high: 0.0000121 })] }),
      }),
      {},
    ],
    [
      "huge price",
      longSignal({
        entry: 123_456_789.12,
        stop: 120_987_653.33,
        targets: [128_395_060.7, 133_333_332.3, 9_876_543_210.98],
        evidence: evidence({ zones: [zone({ price: 120_000_000 })] }),
      }),
      {},
    ],
    [
      "long rationale with an unbreakable word",
      longSignal({ rationale: `${RATIONALE} ${"x".repeat(150)} ${RATIONALE} 🚀🚀🚀 比特币突破阻力位并且成交量放大` }),
      {},
    ],
    [
      "many zones",
      longSignal({
        evidence: evidence({
          zones: [
            zone({ timeframes: ["1M", "1w"] }),
            zone({ timeframes: ["3d"] }),
            zone({ timeframes: ["1h"] }),
            zone({ timeframes: ["1d"] }),
            zone({ timeframes: ["4h"] }),
          ],
        }),
      }),
      {},
    ],
    ["CJK symbol", longSignal({ symbol: "币安人生USDT" }), {}],
    ["narrow box", longSignal(), { width: 44 }],
    ["wide box with tick size", shortSignal(), { width: 100, tickSize: 0.01 }],
  ];

  it.each(cases)("aligns every border in plain and colour mode: %s", (_name, signal, opts) => {
    const { plain, colored } = renderBoth(signal, opts);
    expectAligned(plain, opts.width ?? 68);
    expectAligned(stripAnsi(colored), opts.width ?? 68);
    expect(stripAnsi(colored)).toBe(plain);
    expect(colored).not.toBe(plain);
    expect(plain).not.toContain("\u001b");
    expect(plain).not.toContain("NaN");
  });

  it("shows a SHORT with the sell action, stop above (+%) and targets below (-%)", () => {
    const card = renderSignalCard(shortSignal(), { index: 7, colors: noColors });
    expect(line(card, "Signal #")).toBe(" 🚀 Signal #7: ETHUSDT");
    expect(line(card, "ACTION")).toBe("  ACTION:  📉 🔴 SELL SHORT");
    expect(line(card, "Entry:")).toBe("  📍 Entry:      $3,000.00");
    expect(line(card, "Stop Loss:")).toBe("  🛑 Stop Loss:  $3,060.00  (+2.00%)");
    expect(line(card, "Target 1:")).toBe("  🎯 Target 1:   $2,880.00  (-4.00%)");
    expect(line(card, "Target 2:")).toBe("  🎯 Target 2:   $2,800.00  (-6.67%)");
    expect(line(card, "Target 3:")).toBe("  🎯 Target 3:   $2,700.00  (-10.00%)");
    expect(line(card, "Risk:Reward")).toBe("  ⚖️  Risk:Reward  1:2.0");
    expect(line(card, "Confidence")).toBe("  📊 Confidence:  62%  ██████░░░░");
    expect(line(card, "Position Size")).toBe("  💼 Position Size: 75% of normal");
    expect(line(card, "HTF S/R")).toBe("  🌟 HTF S/R: WEEKLY resistance @ $3,050 (4 touches)");
    expect(line(card, "Volume")).toBe("  📊 Volume: n/a");
    expect(line(card, "RSI")).toBe("  📈 RSI: 74.3 (OVERBOUGHT on 1h, 4h)");
    expect(line(card, "Learning Agent")).toBe("  🎓 Learning Agent: no history yet (paper trading starts with");
    expect(card).toContain("│     this signal)");
    expect(line(card, "💡")).toBe("  💡 Breakdown (-2.1%) | Overbought RSI | Weekly resistance");
  });

  it("right-aligns prices to one precision so the decimal points line up (tiny prices keep their digits)", () => {
    const card = renderSignalCard(cases[2]![1], { index: 1, colors: noColors });
    expect(line(card, "Entry:")).toBe("  📍 Entry:      $0.000012345");
    expect(line(card, "Stop Loss:")).toBe("  🛑 Stop Loss:  $0.000011987  (-2.90%)");
    expect(line(card, "Target 1:")).toBe("  🎯 Target 1:   $0.000013061  (+5.80%)");
    expect(line(card, "HTF S/R")).toBe("  🌟 HTF S/R: DAILY support @ $0.000012 (3 touches)");
    const mixed = renderSignalCard(longSignal({ entry: 12.5, stop: 9.87654, targets: [17.5, 22.5, 100.25] }), {
      index: 1,
      colors: noColors,
    });
    expect(line(mixed, "Entry:")).toBe("  📍 Entry:       $12.5000");
    expect(line(mixed, "Stop Loss:")).toBe("  🛑 Stop Loss:    $9.8765  (-20.99%)");
    expect(line(mixed, "Target 3:")).toBe("  🎯 Target 3:   $100.2500  (+702.00%)");
  });

  it("uses the tick size for price precision when given", () => {
    const card = renderSignalCard(longSignal({ entry: 1.5, stop: 1.47, targets: [1.56, 1.6, 1.65] }), {
      index: 1,
      colors: noColors,
      tickSize: 0.0001,
    });
    expect(line(card, "Entry:")).toBe("  📍 Entry:      $1.5000");
    expect(line(card, "Stop Loss:")).toBe("  🛑 Stop Loss:  $1.4700  (-2.00%)");
    expect(line(card, "Target 2:")).toBe("  🎯 Target 2:   $1.6000  (+6.67%)");
  });

  it("formats huge prices with thousands separators without pushing the border", () => {
    const card = renderSignalCard(cases[3]![1], { index: 1, colors: noColors });
    expect(line(card, "Entry:")).toBe("  📍 Entry:        $123,456,789.12");
    expect(line(card, "Target 3:")).toBe("  🎯 Target 3:   $9,876,543,210.98  (+7,900.00%)");
    expect(line(card, "HTF S/R")).toBe("  🌟 HTF S/R: DAILY support @ $120,000,000 (3 touches)");
  });

  it.each([
    [0.75, "75%", 8],
    [0.74, "74%", 7],
    [0.745, "75%", 8],
    [0.05, "5%", 1],
    [0.04, "4%", 0],
    [0, "0%", 0],
    [1, "100%", 10],
    [1.3, "100%", 10],
    [-0.2, "0%", 0],
  ])("confidence %d shows %s with %d of 10 cells filled (half rounds up)", (confidence, pct, filled) => {
    const card = renderSignalCard(longSignal({ confidence }), { index: 1, colors: noColors });
    expect(line(card, "Confidence")).toBe(`  📊 Confidence:  ${pct}  ${"█".repeat(filled)}${"░".repeat(10 - filled)}`);
  });

  it("names each zone by its highest timeframe and shows at most three", () => {
    const card = renderSignalCard(cases[5]![1], { index: 1, colors: noColors });
    const htf = lines(card).filter((l) => l.includes("HTF S/R"));
    expect(htf.map((l) => l.slice(1, -1).trimEnd())).toEqual([
      "  🌟 HTF S/R: MONTHLY support @ $44,500 (3 touches)",
      "  🌟 HTF S/R: 3-DAY support @ $44,500 (3 touches)",
      "  🌟 HTF S/R: 1H support @ $44,500 (3 touches)",
    ]);
    const single = renderSignalCard(
      longSignal({ evidence: evidence({ zones: [zone({ touches: 1, timeframes: ["4h", "1w"] })] }) }),
      { index: 1, colors: noColors },
    );
    expect(line(single, "HTF S/R")).toBe("  🌟 HTF S/R: WEEKLY support @ $44,500 (1 touch)");
  });

  it("shows RSI of the base timeframe as NEUTRAL when nothing is extreme, n/a when there is none", () => {
    const neutral = renderSignalCard(
      longSignal({ evidence: evidence({ rsi: { "4h": 55, "15m": 48.04 }, rsiExtremeOn: [] }) }),
      { index: 1, colors: noColors },
    );
    expect(line(neutral, "RSI")).toBe("  📈 RSI: 48.0 (NEUTRAL)");
    const none = renderSignalCard(longSignal({ evidence: evidence({ rsi: {}, rsiExtremeOn: [] }) }), {
      index: 1,
      colors: noColors,
    });
    expect(line(none, "RSI")).toBe("  📈 RSI: n/a");
    const volumeNoTrend = renderSignalCard(
      longSignal({ evidence: evidence({ volumeTrend: null, volumeRatio: 1.25 }) }),
      {
        index: 1,
        colors: noColors,
      },
    );
    expect(line(volumeNoTrend, "Volume")).toBe("  📊 Volume: 1.3x average");
  });

  it("wraps the rationale with a hanging indent and splits a word longer than the box", () => {
    const card = renderSignalCard(cases[4]![1], { index: 1, colors: noColors });
    const rows = lines(card);
    const start = rows.findIndex((l) => l.includes("💡"));
    const body = rows.slice(start, -1).map((l) => l.slice(1, -1));
    expect(body.length).toBeGreaterThan(5);
    for (const row of body.slice(1)) expect(row.startsWith("     ")).toBe(true);
    const xs = body.map((r) => r.replace(/[^x]/g, "")).filter((r) => r.length > 0);
    expect(xs.join("")).toBe("x".repeat(150));
    // Nothing is lost: the words, re-joined, are the rationale.
    const words = body
      .map((r) => r.replace("💡", "").trim())
      .join(" ")
      .split(/\s+/);
    expect(words.join(" ").replace(/x+( x+)*/, "X")).toBe(
      `${RATIONALE} X ${RATIONALE} 🚀🚀🚀 比特币突破阻力位并且成交量放大`,
    );
  });

  it("keeps colour off the plain output and uses it for the action, stop and targets when enabled", () => {
    const { colored } = renderBoth(longSignal());
    expect(colored).toContain(color.green("$47,039.92"));
    expect(colored).toContain(color.red("$44,325.79"));
    expect(colored).toContain(color.bold(color.green("BUY LONG")));
    const short = renderSignalCard(shortSignal(), { index: 1, colors: color });
    expect(short).toContain(color.bold(color.red("SELL SHORT")));
  });

  it("keeps control characters in free text from breaking the box", () => {
    const card = renderSignalCard(longSignal({ symbol: "BAD\nSYM", rationale: "line one\nline two\ttab" }), {
      index: 2,
      colors: noColors,
    });
    expectAligned(card);
    expect(line(card, "Signal #")).toBe(" 🚀 Signal #2: BAD SYM");
    expect(line(card, "💡")).toBe("  💡 line one line two tab");
  });

  it("rejects a box too narrow to draw", () => {
    expect(() => renderSignalCard(longSignal(), { index: 1, colors: noColors, width: 20 })).toThrow(UsageError);
  });
});
