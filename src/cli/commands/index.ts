/**
 * Every command, in the order `cma --help` lists them. A command is one file exporting a CommandRegistration;
 * adding one means adding it here.
 */
import type { CommandRegistration } from "../program.js";
import { analyzeCommand } from "./analyze.js";
import { backtestCommand } from "./backtest.js";
import { candlesCommand } from "./candles.js";
import { demoCommand } from "./demo.js";
import { doctorCommand } from "./doctor.js";
import { downloadCommand } from "./download.js";
import { importCommand } from "./import.js";
import { levelsCommand } from "./levels.js";
import { marketsCommand } from "./markets.js";
import { optimizeCommand } from "./optimize.js";
import { reportCommand } from "./report.js";
import { runCommand } from "./run.js";
import { scanCommand } from "./scan.js";

export const COMMANDS: readonly CommandRegistration[] = [
  marketsCommand,
  candlesCommand,
  analyzeCommand,
  levelsCommand,
  scanCommand,
  runCommand,
  backtestCommand,
  reportCommand,
  optimizeCommand,
  downloadCommand,
  importCommand,
  doctorCommand,
  demoCommand,
];
