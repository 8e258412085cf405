/**
 * "Now" for a live run: the machine's clock corrected by the exchange's, measured over one /time round trip. The
 * exchange decides which candle is closed; a machine clock a few seconds off would otherwise analyse a candle the
 * exchange has not closed yet (or miss one it has).
 */
import { OffsetClock } from "../../core/clock.js";
import type { Exchange } from "../../exchange/exchange.js";

export async function exchangeClock(exchange: Pick<Exchange, "serverTime">): Promise<OffsetClock> {
  const clock = new OffsetClock();
  const sentAt = Date.now();
  const server = await exchange.serverTime();
  clock.sync(server, sentAt, Date.now());
  return clock;
}
