import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasDataDir } from '@placements/local';

/**
 * The public data folder the real-data tests read: DATA_DIR, or shared/data beside the repo.
 * CI always has it; the tests that need it fail loudly there if it is missing.
 */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const candidate = process.env.DATA_DIR ?? join(repoRoot, '..', 'shared', 'data');
export const dataDir: string | undefined = hasDataDir(candidate) ? candidate : undefined;
export const requireDataDir = process.env.CI === 'true' || existsSync(join(repoRoot, '..', 'shared'));
