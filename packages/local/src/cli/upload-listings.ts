import { type CommandIo, uploadArgs } from './upload-args.ts';
import { splitByUrn } from '@placements/domain';

export { splitByUrn };

/** What POST /settings/{urn}/listings:bulk answers: what it did, or the error body with every problem by line. */
export interface SheetBody {
  received?: number;
  created?: number;
  replaced?: number;
  unchanged?: number;
  error?: { code?: string; message: string; details?: { line?: number; field: string; message: string }[] };
}

export interface SheetResult {
  urn: string;
  status: number;
  body: SheetBody;
}

export interface UploadOptions {
  text: string;
  baseUrl: string;
  token: string;
  fetchFn?: (url: string, init: RequestInit) => Response | Promise<Response>;
  onProgress?: (done: number, total: number, result: SheetResult) => void;
}

/** Uploads each setting's rows to POST /settings/{urn}/listings:bulk, one setting after another. */
export async function uploadListings(options: UploadOptions): Promise<SheetResult[]> {
  const fetchFn = options.fetchFn ?? fetch;
  const sheets = splitByUrn(options.text);
  const results: SheetResult[] = [];
  for (const sheet of sheets) {
    let result: SheetResult;
    if (!/^\d{6}$/.test(sheet.urn)) {
      result = {
        urn: sheet.urn,
        status: 400,
        body: {
          error: {
            message: `"${sheet.urn}" is not a URN`,
            details: [...sheet.originalLine.entries()]
              .slice(1)
              .map(([, line]) => ({ line, field: 'urn', message: 'must be a six-digit URN' })),
          },
        },
      };
    } else {
      const res = await fetchFn(`${options.baseUrl}/settings/${sheet.urn}/listings:bulk`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${options.token}` },
        body: sheet.csv,
      });
      const body = (await res.json().catch(() => ({}))) as SheetBody;
      // Point each reported problem at the line of the file the user opened.
      for (const d of body?.error?.details ?? [])
        if (typeof d.line === 'number') d.line = sheet.originalLine.get(d.line) ?? d.line;
      result = { urn: sheet.urn, status: res.status, body };
    }
    results.push(result);
    options.onProgress?.(results.length, sheets.length, result);
  }
  return results;
}

export function progressBar(done: number, total: number, width = 30): string {
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} settings ${Math.round((done / total) * 100)}%`;
}

/**
 * npm run upload:listings -- <file.csv> [--token <jwt>] [--url <base url>]
 * Uploads a listings sheet (the documented columns plus urn) setting by setting, with a progress
 * bar, and prints every rejected row with its line in the file. Answers the exit code: 0 when every
 * setting was saved, 1 when one was not, 2 for a usage error.
 */
export async function uploadListingsCommand(
  io: CommandIo,
  fetchFn?: (url: string, init: RequestInit) => Response | Promise<Response>,
): Promise<number> {
  const args = uploadArgs('npm run upload:listings -- <file.csv> --token <provider token>', io);
  if (args === undefined) return 2;
  const results = await uploadListings({
    text: args.text,
    baseUrl: args.url,
    token: args.token,
    ...(fetchFn ? { fetchFn } : {}),
    onProgress: (done, total, r) => {
      const bar = progressBar(done, total);
      io.err(io.tty ? `\r${bar}` : `${bar}  ${r.urn}: ${r.status}\n`);
    },
  });
  if (io.tty) io.err('\n');
  let failed = 0;
  for (const r of results) {
    if (r.status === 200) {
      const b = r.body;
      io.out(`${r.urn}: ${b.created} created, ${b.replaced} replaced, ${b.unchanged} unchanged`);
    } else {
      failed++;
      io.out(`${r.urn}: not saved (${r.status}) ${r.body?.error?.message ?? ''}`);
      for (const d of r.body?.error?.details ?? []) io.out(`  line ${d.line ?? '?'}, ${d.field}: ${d.message}`);
    }
  }
  io.out(`${results.length - failed} of ${results.length} settings saved.`);
  return failed > 0 ? 1 : 0;
}
