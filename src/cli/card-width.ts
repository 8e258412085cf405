import { DEFAULT_CARD_WIDTH, MIN_CARD_WIDTH } from "../ui/signal-card.js";

/** The card's width for a terminal of `columns` (the default width when it fits, narrower on a small terminal). */
export function cardWidth(columns: number | undefined): { width?: number } {
  if (columns === undefined || columns > DEFAULT_CARD_WIDTH) return {};
  return { width: Math.max(MIN_CARD_WIDTH, columns - 1) };
}
