/**
 * The reliability suite's mixed load (test/reliability/load.ts) in a process of its own, as real
 * clients are: `npm run bench:allocation` with BENCH_LOAD=process runs it here, so the load's 24
 * clients do not share the server's event loop. Reads {target, options} as JSON on stdin and
 * writes the LoadResult as JSON on stdout.
 */
import { runLoad, type LoadOptions, type LoadTarget } from '../reliability/load.ts';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { target, options } = JSON.parse(input) as { target: LoadTarget; options: LoadOptions };
process.stdout.write(`${JSON.stringify(await runLoad(target, options))}\n`);
process.exit(0);
