/** All benchmarks, one after the other: `npm run bench`. */
import { benchFlowParse } from "./flow-parse.js";

await benchFlowParse();
