/**
 * What each agent of the running system is doing: the status part of every report and of `cma run`'s display.
 * One record per agent, updated by the orchestrator as its tasks run; plain JSON when read.
 */
export type AgentState = "idle" | "running" | "stopped" | "failing";

/** Who a status record is about: an analysis agent (from its definition) or one of the system's services. */
export interface AgentIdentity {
  readonly name: string;
  /** For the banner, e.g. "Order Flow Agent". */
  readonly title: string;
  readonly icon: string;
  /** What it does, in a few words (for the banner and text reports). */
  readonly role: string;
}

export interface AgentStatus extends AgentIdentity {
  /** How often it runs, in ms (its own interval). */
  readonly everyMs: number;
  readonly state: AgentState;
  /** Epoch ms (the system clock: live or simulated) of the last run that finished, null before the first. */
  readonly lastUpdate: number | null;
  readonly lastDurationMs: number | null;
  readonly runs: number;
  /** Symbols handled in the last run, and of those how many gave no result (the agent reported why). */
  readonly symbols: number;
  readonly unavailable: number;
  /** Signals emitted in total (synthesis only; 0 for the others). */
  readonly signals: number;
  /** Errors in total, and the last one with the symbol it concerned (null: the run as a whole). */
  readonly errors: number;
  readonly lastError: { readonly time: number; readonly symbol: string | null; readonly message: string } | null;
}

type Mutable = { -readonly [K in keyof AgentStatus]: AgentStatus[K] };

export class AgentStatusBoard {
  readonly #agents = new Map<string, Mutable>();

  register(who: AgentIdentity, everyMs: number): void {
    this.#agents.set(who.name, {
      name: who.name,
      title: who.title,
      icon: who.icon,
      role: who.role,
      everyMs,
      state: "idle",
      lastUpdate: null,
      lastDurationMs: null,
      runs: 0,
      symbols: 0,
      unavailable: 0,
      signals: 0,
      errors: 0,
      lastError: null,
    });
  }

  #get(name: string): Mutable {
    const a = this.#agents.get(name);
    if (!a) throw new Error(`agent status: no agent named ${name} is registered`);
    return a;
  }

  begin(name: string): void {
    this.#get(name).state = "running";
  }

  /** A run finished; `failed` symbols had errors (recorded with error()), which makes the agent "failing" until a clean run. */
  finish(
    name: string,
    at: number,
    durationMs: number,
    counts: { symbols?: number; unavailable?: number; failed?: number } = {},
  ): void {
    const a = this.#get(name);
    a.runs++;
    a.lastUpdate = at;
    // To the microsecond: one agent on one symbol can take a few of them.
    a.lastDurationMs = Math.round(durationMs * 1000) / 1000;
    a.symbols = counts.symbols ?? 0;
    a.unavailable = counts.unavailable ?? 0;
    a.state = (counts.failed ?? 0) > 0 ? "failing" : "idle";
  }

  error(name: string, at: number, error: unknown, symbol: string | null = null): void {
    const a = this.#get(name);
    a.errors++;
    a.lastError = { time: at, symbol, message: messageOf(error) };
  }

  /** A whole run failed (nothing finished). */
  failRun(name: string, at: number, error: unknown): void {
    this.error(name, at, error);
    this.#get(name).state = "failing";
  }

  addSignals(name: string, n: number): void {
    this.#get(name).signals += n;
  }

  stopAll(): void {
    for (const a of this.#agents.values()) a.state = "stopped";
  }

  snapshot(): AgentStatus[] {
    return [...this.#agents.values()].map((a) => ({ ...a, lastError: a.lastError ? { ...a.lastError } : null }));
  }
}

/** The innermost useful message: errors wrapped by the adapter keep the exchange's words in `cause`. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}
