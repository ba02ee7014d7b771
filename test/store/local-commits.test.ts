import { describe, expect, it } from 'vitest';
import { killAfterAcknowledgedTransactions } from '../reliability/commit-durability.ts';

// DynamoDB Local answers a transaction before its COMMIT has run; killed then, it loses it. With the
// bare SDK client most such kills lose the last acknowledged transaction (`npm run
// check:dynamodb-local-commits`), so three kills finding none lost fail if the store's wait breaks.
describe('a transaction the store has acknowledged against DynamoDB Local', () => {
  it('is still in the table after java is SIGKILLed the moment it is acknowledged', async () => {
    const kills = await killAfterAcknowledgedTransactions({ awaitLocalCommits: true, killAfter: [20, 45, 70] });
    expect(kills.map((k) => k.acknowledged)).toEqual([20, 45, 70]);
    expect(kills.map((k) => k.lost)).toEqual([0, 0, 0]);
  }, 300_000);
});
