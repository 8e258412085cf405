/**
 * `cma demo` (also `npm run demo`): the main job, offline, on the real Binance candles bundled with the project.
 */
import { runDemo } from "../../app/demo.js";
import { parseIntArg } from "../args.js";
import type { CommandRegistration } from "../program.js";
import { programVersion } from "../version.js";

interface DemoCliOptions {
  days: string;
  json?: boolean;
}

export const demoCommand: CommandRegistration = {
  register(program, bind) {
    program
      .command("demo")
      .description("run the live system offline on bundled real Binance candles (a local fake exchange, sped-up time)")
      .option("--days <n>", "simulated days to replay, 1 to 30", "10")
      .option("--json", "print only the demo's summary as one JSON object (what output/demo_report.json holds)")
      .action(
        bind<DemoCliOptions>(async (ctx, opts) => {
          const days = parseIntArg("--days", opts.days, 1, 30);
          const report = await runDemo({
            config: ctx.config,
            write: opts.json ? () => {} : (s) => ctx.out(s),
            colors: ctx.colors,
            days,
            version: programVersion(),
            signal: ctx.signal,
            logger: ctx.logger,
          });
          if (opts.json) ctx.json(report);
          return 0;
        }),
      );
  },
};
