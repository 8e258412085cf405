/**
 * The database schema as an ordered list of migrations. `PRAGMA user_version` holds how many have been applied;
 * `openDatabase` applies the rest, each in its own transaction. Never edit or reorder a released migration: append a
 * new one (users' databases already ran the old ones).
 */
import type Database from "better-sqlite3";

export interface Migration {
  /** What it changes, for logs and error messages. */
  readonly name: string;
  readonly up: (db: Database.Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    name: "candle store",
    up(db) {
      db.exec(`
        -- One row per candle series; candles refer to it by a small integer so each candle row stays compact.
        -- first_open/last_open/candles summarise the series so listing series never scans the candle table.
        CREATE TABLE candle_series (
          id        INTEGER PRIMARY KEY,
          exchange  TEXT    NOT NULL,
          market    TEXT    NOT NULL,
          symbol    TEXT    NOT NULL,
          interval  TEXT    NOT NULL,
          first_open INTEGER,
          last_open  INTEGER,
          candles    INTEGER NOT NULL DEFAULT 0,
          UNIQUE (exchange, market, symbol, interval)
        );
        -- Closed candles only. Times are integer epoch ms (close time is derived from the interval), prices REAL.
        -- derived_from is NULL for candles as the exchange (or its dump files) reported them, else the finer interval
        -- they were aggregated from.
        CREATE TABLE candles (
          series_id       INTEGER NOT NULL REFERENCES candle_series(id) ON DELETE CASCADE,
          open_time       INTEGER NOT NULL,
          open            REAL    NOT NULL,
          high            REAL    NOT NULL,
          low             REAL    NOT NULL,
          close           REAL    NOT NULL,
          volume          REAL    NOT NULL,
          quote_volume    REAL    NOT NULL,
          trades          INTEGER NOT NULL,
          taker_buy_base  REAL    NOT NULL,
          taker_buy_quote REAL    NOT NULL,
          derived_from    TEXT,
          PRIMARY KEY (series_id, open_time)
        ) WITHOUT ROWID;
        -- Open-time ranges [from_open, to_open] for which the exchange was asked and everything it has is stored.
        -- Lets a sync skip periods the exchange has no candles for (before listing, halts) instead of asking again.
        CREATE TABLE candle_coverage (
          series_id INTEGER NOT NULL REFERENCES candle_series(id) ON DELETE CASCADE,
          from_open INTEGER NOT NULL,
          to_open   INTEGER NOT NULL,
          PRIMARY KEY (series_id, from_open)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    name: "paper trades",
    up(db) {
      db.exec(`
        -- One row per paper trade and run. The run ("live", "demo", "backtest:<id>") is part of the key: a trade id
        -- is its signal's id, which a backtest over the same period produces again, and backtests must never mix
        -- with (or overwrite) the live history. data holds the whole PaperTrade as JSON; the other columns copy the
        -- fields that queries filter on.
        CREATE TABLE paper_trades (
          run        TEXT    NOT NULL,
          trade_id   TEXT    NOT NULL,
          symbol     TEXT    NOT NULL,
          direction  TEXT    NOT NULL,
          status     TEXT    NOT NULL,
          outcome    TEXT    NOT NULL,
          entry_time INTEGER NOT NULL,
          exit_time  INTEGER,
          data       TEXT    NOT NULL,
          PRIMARY KEY (run, trade_id)
        );
        CREATE INDEX paper_trades_run_status ON paper_trades (run, status);
        CREATE INDEX paper_trades_run_exit ON paper_trades (run, exit_time);
        -- The audit trail of fills, stop moves and closes, in the order they happened (id).
        CREATE TABLE paper_trade_events (
          id       INTEGER PRIMARY KEY,
          run      TEXT    NOT NULL,
          trade_id TEXT    NOT NULL,
          time     INTEGER NOT NULL,
          kind     TEXT    NOT NULL,
          data     TEXT    NOT NULL,
          FOREIGN KEY (run, trade_id) REFERENCES paper_trades (run, trade_id) ON DELETE CASCADE
        );
        CREATE INDEX paper_trade_events_trade ON paper_trade_events (run, trade_id, id);
      `);
    },
  },
  {
    name: "learning state",
    up(db) {
      db.exec(`
        -- What the learning agent must remember between runs that is not a trade: the hypotheses it is testing
        -- (when each was created decides which trades may test it), per run, as JSON.
        CREATE TABLE learning_state (
          run   TEXT NOT NULL,
          key   TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (run, key)
        );
      `);
    },
  },
];
