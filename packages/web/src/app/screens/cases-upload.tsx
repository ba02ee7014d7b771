import { useRef, useState } from 'preact/hooks';
import { CASES_PER_REQUEST, chunkSheet, type SheetChunk } from '@placements/domain/sheet-chunks.ts';
import { apiUrl, bearer, errorFrom } from '../lib/api.ts';
import { plural } from '../lib/format.ts';
import type { Session } from '../lib/session.ts';
import { ErrorSummary, PageHeading, TableWrap } from '../ui/common.tsx';

/** One problem of a row not saved, by its line in the person's file. */
interface RowProblem {
  line?: number;
  field: string;
  message: string;
}

interface Report {
  rows: number;
  saved: { line: number; id: string; ref: string }[];
  problems: RowProblem[];
}

const TEMPLATE =
  'needs,band,age,homeDistrict,holder,ranked,mainstreamRequested,ref,postSixteen,phaseTransferDeadline\n';
const newKey = () => crypto.randomUUID();

/**
 * Sends one part of the sheet with XMLHttpRequest, whose upload events move the progress bar
 * within a part. A lost connection or a 5xx is tried again with the same Idempotency-Key, so the
 * service finds the rows it saved already and opens none twice.
 */
function send(
  part: SheetChunk,
  key: string,
  onProgress: (fraction: number) => void,
  attempt = 0,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', apiUrl('/cases:bulk'));
    xhr.setRequestHeader('content-type', 'text/csv');
    xhr.setRequestHeader('idempotency-key', key);
    const token = bearer();
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    const retry = () =>
      setTimeout(() => send(part, key, onProgress, attempt + 1).then(resolve, reject), 1000 * 2 ** attempt);
    xhr.onload = () => {
      if ((xhr.status === 429 || xhr.status >= 500) && attempt < 2) return retry();
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () =>
      attempt < 2
        ? retry()
        : reject(new Error('The upload could not reach the service. Check your connection and try again.'));
    xhr.send(part.csv);
  });
}

/**
 * An LA commissioner opens many cases from a sheet (a phase-transfer cohort): every valid row is
 * saved with its preferences, every row that is not is listed by its line in the file with all
 * its problems, and a progress bar follows the parts of the sheet as they are sent.
 */
export function CasesUpload({ session }: { session: Session }) {
  const [file, setFile] = useState<File | undefined>(undefined);
  const [progress, setProgress] = useState<{ done: number; total: number } | undefined>(undefined);
  const [report, setReport] = useState<Report | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const summary = useRef<HTMLDivElement>(null);
  const busy = progress !== undefined && progress.done < progress.total;

  async function upload() {
    setError(undefined);
    setReport(undefined);
    if (file === undefined) return setError(new Error('Choose a CSV file of cases to upload.'));
    let parts: SheetChunk[];
    try {
      parts = chunkSheet(await file.text(), CASES_PER_REQUEST);
    } catch (e) {
      return setError(e as Error);
    }
    const total = parts.reduce((n, p) => n + p.rows, 0);
    const out: Report = { rows: total, saved: [], problems: [] };
    let done = 0;
    setProgress({ done: 0, total });
    for (const [i, part] of parts.entries()) {
      const at = (l: unknown) => (typeof l === 'number' ? (part.originalLine.get(l) ?? l) : undefined);
      try {
        const res = await send(part, newKey(), (f) => setProgress({ done: done + f * part.rows, total }));
        if (res.status === 200) {
          const body = res.body as { cases: Report['saved']; problems: RowProblem[] };
          out.saved.push(...body.cases.map((c) => ({ ...c, line: at(c.line) ?? c.line })));
          out.problems.push(...body.problems.map((p) => ({ ...p, line: at(p.line) })));
        } else {
          const e = errorFrom(res.status, res.body);
          if (e.details.length > 0)
            out.problems.push(
              ...e.details.map((d) => ({ field: String(d.field), message: String(d.message), line: at(d.line) })),
            );
          else out.problems.push({ field: 'sheet', message: `Rows of part ${i + 1} were not saved: ${e.message}` });
          // A sheet wrong as a whole (its header) is wrong in every part: one report is enough.
          if (e.details.some((d) => d.field === 'header')) break;
        }
      } catch (e) {
        out.problems.push({
          field: 'sheet',
          message: `Part ${i + 1} of ${parts.length} (${plural(part.rows, 'row')}): ${(e as Error).message}`,
        });
      }
      done += part.rows;
      setProgress({ done, total });
    }
    out.problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    out.saved.sort((a, b) => a.line - b.line);
    setProgress({ done: total, total });
    setReport(out);
    requestAnimationFrame(() => summary.current?.focus());
  }

  const percent = progress ? Math.round((progress.total === 0 ? 1 : progress.done / progress.total) * 100) : 0;
  const badLines = report ? new Set(report.problems.map((p) => p.line ?? 0)).size : 0;
  return (
    <>
      <PageHeading caption={session.label}>Upload cases from a sheet</PageHeading>
      <p class="govuk-body">
        One row per case, with the family’s ranked preferences: a phase-transfer cohort, or cases moved from your
        case-management system. Each row is checked as if you opened the case on its own. Rows without a problem are
        saved; rows with one are listed below by their line in your file, with every problem, and nothing of them is
        saved. Fix those rows and upload them again.{' '}
        <a
          class="govuk-link"
          href={`data:text/csv;charset=utf-8,${encodeURIComponent(TEMPLATE)}`}
          download="cases-template.csv"
        >
          Download an empty sheet
        </a>
        .
      </p>
      <ErrorSummary error={error} />
      {report && report.problems.length > 0 ? (
        <div class="govuk-error-summary" data-module="govuk-error-summary" tabIndex={-1} ref={summary}>
          <div role="alert">
            <h2 class="govuk-error-summary__title">{plural(badLines, 'row')} not saved</h2>
            <div class="govuk-error-summary__body">
              <ul class="govuk-list govuk-error-summary__list">
                <li>
                  <button
                    type="button"
                    class="app-link-button"
                    onClick={() => document.getElementById('upload-problems')?.focus()}
                  >
                    See each row’s problems, by its line in your file
                  </button>
                </li>
              </ul>
            </div>
          </div>
        </div>
      ) : null}
      <form
        novalidate
        onSubmit={(e) => {
          e.preventDefault();
          void upload();
        }}
      >
        <div class="govuk-form-group">
          <label class="govuk-label" for="cases-file">
            CSV file of cases
          </label>
          <div id="cases-file-hint" class="govuk-hint">
            Columns: needs (primary first, separated by ;), band, age, homeDistrict (such as ME14, never a full
            postcode), holder (parent or young_person), ranked (URNs in the family’s order, separated by ;),
            mainstreamRequested (true or false); optionally ref (your own reference, where you keep one), postSixteen
            and phaseTransferDeadline. No names, dates of birth or addresses.
          </div>
          <input
            class="govuk-file-upload"
            id="cases-file"
            name="file"
            type="file"
            accept=".csv,text/csv"
            aria-describedby="cases-file-hint"
            onChange={(e) => setFile(e.currentTarget.files?.[0])}
          />
        </div>
        <button type="submit" class="govuk-button" data-module="govuk-button" disabled={busy}>
          Upload cases
        </button>
      </form>
      {progress ? (
        <div class="progress">
          <label for="cases-progress" class="govuk-label">
            {busy ? 'Uploading' : 'Uploaded'} {plural(progress.total, 'row')}
          </label>
          <progress id="cases-progress" max={100} value={percent}>
            {percent}%
          </progress>
          <p class="govuk-body" role="status" aria-live="polite">
            {busy ? `${percent}% uploaded.` : `Finished: ${plural(progress.total, 'row')}.`}
          </p>
        </div>
      ) : null}
      {report ? (
        <section aria-labelledby="cases-report-title">
          <h2 id="cases-report-title" class="govuk-heading-m">
            What was saved
          </h2>
          <div
            class={`govuk-panel notice ${report.saved.length === report.rows ? 'notice-success' : 'notice-warning'}`}
            role="status"
            tabIndex={report.problems.length === 0 ? -1 : undefined}
            ref={report.problems.length === 0 ? summary : undefined}
          >
            <p class="govuk-body">
              <strong>
                {report.saved.length} of {plural(report.rows, 'case')} saved
              </strong>
              {report.problems.length > 0 ? `; ${plural(badLines, 'row')} not saved.` : '.'}{' '}
              <a href="#/cases">See your cases</a>.
            </p>
          </div>
          {report.problems.length > 0 ? (
            <>
              <h3 id="upload-problems" class="govuk-heading-s" tabIndex={-1}>
                Rows not saved
              </h3>
              <TableWrap label="Rows not saved">
                <table class="govuk-table problems">
                  <caption class="govuk-table__caption govuk-table__caption--m">
                    Rows not saved: each problem, by its line in your file
                  </caption>
                  <thead class="govuk-table__head">
                    <tr class="govuk-table__row">
                      <th scope="col" class="govuk-table__header govuk-table__header--numeric num">
                        Line
                      </th>
                      <th scope="col" class="govuk-table__header">
                        Column
                      </th>
                      <th scope="col" class="govuk-table__header">
                        Problem
                      </th>
                    </tr>
                  </thead>
                  <tbody class="govuk-table__body">
                    {report.problems.map((p, i) => (
                      <tr class="govuk-table__row" key={i}>
                        <td class="govuk-table__cell govuk-table__cell--numeric num">{p.line ?? '—'}</td>
                        <td class="govuk-table__cell">{p.field}</td>
                        <td class="govuk-table__cell">{p.message}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            </>
          ) : null}
        </section>
      ) : null}
      <p class="govuk-body">
        <a class="govuk-link" href="#/cases">
          Back to your cases
        </a>
      </p>
    </>
  );
}
