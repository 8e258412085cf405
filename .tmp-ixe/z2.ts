import { zScore } from "/work/main/src/indicators/index.ts";
const xs=[0.62815,0.0210715,0,0,0,0,0.0034081800000000002];
console.log(zScore(xs,5));
