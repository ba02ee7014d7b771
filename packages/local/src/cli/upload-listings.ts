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
