/**
 * The marketplace table, defined once. infra/ builds the AWS table from this and the local
 * bootstrap builds the DynamoDB Local table from it, so the two can never drift apart.
 * Plain data only: no AWS SDK import, so infra can read it without bundling the SDK.
 */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  /** Why the index exists: the access pattern it serves (see keys.ts). */
  purpose: string;
}

export interface TableDefinition {
  /** The default name; deployments and tests may use another. */
  tableName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalSecondaryIndexes: IndexDefinition[];
  /** Items with this epoch-seconds attribute are deleted once it has passed (search snapshots). */
  timeToLiveAttribute: string;
}

export const marketplaceTable: TableDefinition = {
  tableName: 'placements',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
      purpose:
        'Settings and their listings by host LA, ordered by provision type then URN. Also search entries by need, age bucket and map cell (SG#), for nearest-first search',
    },
    {
      indexName: 'gsi2',
      partitionKey: { name: 'gsi2pk', type: 'S' },
      sortKey: { name: 'gsi2sk', type: 'S' },
      purpose:
        'Settings and their listings by provision type across all LAs, ordered by URN. Also search entries by need, age bucket and band, across England (SBN#) and in each LA (SBLN#), most places free first',
    },
    {
      indexName: 'gsi3',
      partitionKey: { name: 'gsi3pk', type: 'S' },
      sortKey: { name: 'gsi3sk', type: 'S' },
      purpose:
        'Search: listings by need, age bucket and host LA, in result order (SN#: most places free first, SP#: cheapest first). Also settings by provider (PROVIDER#id)',
    },
    {
      indexName: 'gsi4',
      partitionKey: { name: 'gsi4pk', type: 'S' },
      sortKey: { name: 'gsi4sk', type: 'S' },
      purpose: 'Search: listings by need and age bucket across England (national scope), in the same result orders',
    },
  ],
  timeToLiveAttribute: 'expiresAt',
};
