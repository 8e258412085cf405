import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The project's root folder, whether running from src/ (tsx, tests) or dist/ (the built CLI). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Real recorded Binance candles shipped with the project (see assets/candles/PROVENANCE.md). */
export const BUNDLED_CANDLES_DIR = join(PROJECT_ROOT, "assets", "candles");
