import { benchIndicators } from "../bench/indicators.ts";
for (const r of benchIndicators({ repeats: 15 })) console.log(r.name.padEnd(34), r.ms.toFixed(1).padStart(7), "ms wall", r.cpuMs.toFixed(1).padStart(7), "ms cpu");
