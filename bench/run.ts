/** All benchmarks, one after the other: `npm run bench`. */
import { benchFlowParse } from "./flow-parse.js";
import { benchTrace } from "./trace.js";

await benchFlowParse();
await benchTrace();
