// `npm run check:dynamodb-local-commits`: shows why the store waits for DynamoDB Local's COMMIT
// after each transaction (packages/store/src/client.ts, awaitLocalCommits): the same kills, each
// right after an acknowledged transaction, with the bare SDK client and with the store's client.
import { killAfterAcknowledgedTransactions } from './commit-durability.ts';

const kills = Number(process.env.COMMIT_KILLS ?? 6);
const killAfter = Array.from({ length: kills }, (_, k) => 20 + 25 * k);
const rows: string[] = [];
let lostByStore = 0;
for (const awaitLocalCommits of [false, true]) {
  const name = awaitLocalCommits ? "the store's client (waits for the COMMIT)" : 'the bare SDK client';
  const results = await killAfterAcknowledgedTransactions({ awaitLocalCommits, killAfter });
  for (const [k, r] of results.entries())
    console.log(`${name}, kill ${k + 1}: ${r.acknowledged} acknowledged, ${r.lost} lost`);
  const acknowledged = results.reduce((n, r) => n + r.acknowledged, 0);
  const lost = results.reduce((n, r) => n + r.lost, 0);
  const losing = results.filter((r) => r.lost > 0).length;
  if (awaitLocalCommits) lostByStore = lost;
  rows.push(`| ${name} | ${kills} | ${acknowledged} | ${lost} | ${losing} of ${kills} |`);
}
console.log('\n| client | kills | transactions acknowledged | acknowledged, then lost | kills that lost one |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);
if (lostByStore > 0) {
  console.error(`\nThe store's client lost ${lostByStore} acknowledged transactions.`);
  process.exit(1);
}
