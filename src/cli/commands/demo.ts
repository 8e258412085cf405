/**
 * `cma demo` (also `npm run demo`): the main job, offline, on the real Binance candles bundled with the project.
 */
import { agentOptionsFromConfig } from "../../app/agent-options.js";
import { runDemo } from "../../app/demo.js";
import { parseIntArg } from "../args.js";
import type { CommandRegistration } from "../program.js";

interface DemoCliOptions {
  hours: string;
  stepMs: string;
}

export const demoCommand: CommandRegistration = {
  register(program, bind) {
    program
      .command("demo")
      .description("run the system offline on bundled real Binance candles (a local fake exchange, sped-up time)")
      .option("--hours <n>", "simulated hours of live streaming, 2 to 720", "48")
      .option("--step-ms <ms>", "wall-clock milliseconds per simulated 15 minutes, 0 to 5000", "120")
      .action(
        bind<DemoCliOptions>(async (ctx, opts) => {
          const liveHours = parseIntArg("--hours", opts.hours, 2, 720);
          const stepMs = parseIntArg("--step-ms", opts.stepMs, 0, 5000);
          await runDemo({
            dataDir: ctx.config.data_dir,
            outputDir: ctx.config.output_dir,
            write: (s) => ctx.out(s),
            colors: ctx.colors,
            liveHours,
            stepMs,
            signal: ctx.signal,
            logger: ctx.logger,
            analysis: agentOptionsFromConfig(ctx.config),
          });
          return 0;
        }),
      );
  },
};
