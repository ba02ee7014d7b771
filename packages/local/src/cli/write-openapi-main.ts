import { writeFileSync } from 'node:fs';
import { deployedApiDocument } from '@placements/api';

/**
 * npm run openapi: writes packages/api/openapi.json, the API's document as deployed, from the
 * routes' zod schemas. The platform Lambda serves this file; a test fails when it is out of date.
 */
const file = new URL('../../../api/openapi.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(await deployedApiDocument(), null, 2)}\n`);
console.log(`Written ${file.pathname}`);
