import { useState } from 'preact/hooks';
import { splitByUrn, type SettingSheet } from '@placements/domain/listing-sheet.ts';
import { apiUrl, bearer, errorFrom } from '../lib/api.ts';
import type { Session } from '../lib/session.ts';
import type { Setting } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { ErrorSummary, Field, Notice, PageHeading, TableWrap } from '../ui/common.tsx';
import { ownSettings } from './provider-settings.tsx';

interface SheetOutcome {
  urn: string;
  name: string;
  ok: boolean;
  message: string;
  problems: { line?: number; field: string; message: string }[];
}

const TEMPLATE =
  'listingId,band,needs,ageMin,ageMax,attendance,commissioned,filled,availableFrom,price,variationReason\n';

/** Sends one setting's sheet with XMLHttpRequest, whose upload events give a real progress bar. */
function send(sheet: SettingSheet, onProgress: (fraction: number) => void): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', apiUrl(`/settings/${sheet.urn}/listings:bulk`));
    xhr.setRequestHeader('content-type', 'text/csv');
    const token = bearer();
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () =>
      resolve({ status: xhr.status, body: xhr.responseText ? JSON.parse(xhr.responseText) : undefined });
    xhr.onerror = () =>
      reject(new Error('The upload could not reach the service. Check your connection and try again.'));
    xhr.send(sheet.csv);
  });
}

/**
 * A sheet of listings for one setting, or for several with a urn column: each setting's rows are
 * saved all or nothing, and every rejected row is listed by its line in the file.
 */
export function Upload({ session }: { session: Session }) {
  const settings = useLoad(() => ownSettings(session), [session.principal.org]);
  const [urn, setUrn] = useState('');
  const [file, setFile] = useState<File | undefined>(undefined);
  const [progress, setProgress] = useState<{ done: number; total: number; label: string } | undefined>(undefined);
  const [outcomes, setOutcomes] = useState<SheetOutcome[] | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const nameOf = (u: string) => settings.data?.find((s: Setting) => s.urn === u)?.name ?? `URN ${u}`;

  async function upload() {
    setError(undefined);
    setOutcomes(undefined);
    if (file === undefined) return setError(new Error('Choose a CSV file to upload.'));
    const text = await file.text();
    let sheets: SettingSheet[];
    try {
      const hasUrn = /(^|,)\s*urn\s*(,|$)/m.test(text.split(/\r?\n/, 1)[0] ?? '');
      if (hasUrn) sheets = splitByUrn(text);
      else if (urn === '')
        return setError(new Error('Choose which setting the sheet is for, or add a urn column to it.'));
      else sheets = [{ urn, csv: text, originalLine: new Map() }];
    } catch (e) {
      return setError(e as Error);
    }
    const results: SheetOutcome[] = [];
    for (const [i, sheet] of sheets.entries()) {
      const label = `${nameOf(sheet.urn)} (sheet ${i + 1} of ${sheets.length})`;
      setProgress({ done: i, total: sheets.length, label });
      try {
        const res = await send(sheet, (f) => setProgress({ done: i + f, total: sheets.length, label }));
        if (res.status === 200) {
          const b = res.body as { created: number; replaced: number; unchanged: number };
          results.push({
            urn: sheet.urn,
            name: nameOf(sheet.urn),
            ok: true,
            message: `Saved: ${b.created} created, ${b.replaced} replaced, ${b.unchanged} unchanged.`,
            problems: [],
          });
        } else {
          const e = errorFrom(res.status, res.body);
          const problems = e.details.map((d) => ({
            ...d,
            field: d.field ?? 'sheet',
            ...(typeof d.line === 'number' ? { line: sheet.originalLine.get(d.line) ?? d.line } : {}),
          }));
          results.push({ urn: sheet.urn, name: nameOf(sheet.urn), ok: false, message: e.message, problems });
        }
      } catch (e) {
        results.push({
          urn: sheet.urn,
          name: nameOf(sheet.urn),
          ok: false,
          message: (e as Error).message,
          problems: [],
        });
      }
      setProgress({ done: i + 1, total: sheets.length, label });
    }
    setOutcomes(results);
  }

  const percent = progress ? Math.round((progress.done / progress.total) * 100) : 0;
  return (
    <>
      <PageHeading caption={session.label}>Upload a sheet of listings</PageHeading>
      <p class="govuk-body">
        One row per listing. Each setting’s rows are saved together or not at all, so a mistake never leaves half a
        sheet published. Rows that match what is already published are left alone.{' '}
        <a
          class="govuk-link"
          href={`data:text/csv;charset=utf-8,${encodeURIComponent(TEMPLATE)}`}
          download="listings-template.csv"
        >
          Download an empty sheet
        </a>
        .
      </p>
      <ErrorSummary error={error ?? settings.error} />
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          void upload();
        }}
      >
        <Field
          label="Setting"
          name="urn"
          hint="Not needed when the sheet has a urn column: then each row says its setting."
        >
          {(a) => (
            <select class="govuk-select" {...a} value={urn} onChange={(e) => setUrn(e.currentTarget.value)}>
              <option value="">The sheet has a urn column</option>
              {(settings.data ?? []).map((s) => (
                <option key={s.urn} value={s.urn}>
                  {s.name} (URN {s.urn})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="CSV file"
          name="file"
          hint="Columns: listingId, band, needs (separated by ;), ageMin, ageMax, attendance, commissioned, filled, availableFrom, and optionally price (pence a year), variationReason, urn and version."
        >
          {(a) => (
            <input
              class="govuk-file-upload"
              {...a}
              type="file"
              accept=".csv,text/csv"
              onChange={(e) => setFile(e.currentTarget.files?.[0])}
            />
          )}
        </Field>
        <button type="submit" class="govuk-button" disabled={progress !== undefined && progress.done < progress.total}>
          Upload
        </button>
      </form>
      {progress ? (
        <div class="progress">
          <label for="upload-progress">
            {progress.done >= progress.total ? 'Uploaded' : 'Uploading'} {progress.label}
          </label>
          <progress id="upload-progress" max={100} value={percent}>
            {percent}%
          </progress>
          <p class="govuk-body" role="status" aria-live="polite">
            {progress.done >= progress.total
              ? `Finished: ${progress.total} ${progress.total === 1 ? 'setting' : 'settings'}.`
              : `${percent}% uploaded.`}
          </p>
        </div>
      ) : null}
      {outcomes?.map((o) => (
        <section key={o.urn} class="card" aria-labelledby={`outcome-${o.urn}`}>
          <h2 class="govuk-heading-m" id={`outcome-${o.urn}`}>
            {o.name}
          </h2>
          <Notice kind={o.ok ? 'success' : 'warning'}>{o.message}</Notice>
          {o.problems.length > 0 ? (
            <TableWrap label={`Problems in the sheet for ${o.name}`}>
              <table class="govuk-table problems">
                <caption class="govuk-table__caption govuk-table__caption--s">
                  Each problem, by its line in your file
                </caption>
                <thead class="govuk-table__head">
                  <tr class="govuk-table__row">
                    <th scope="col" class="govuk-table__header govuk-table__header--numeric">
                      Line
                    </th>
                    <th class="govuk-table__header" scope="col">
                      Column
                    </th>
                    <th class="govuk-table__header" scope="col">
                      Problem
                    </th>
                  </tr>
                </thead>
                <tbody class="govuk-table__body">
                  {o.problems.map((p, i) => (
                    <tr class="govuk-table__row" key={i}>
                      <td class="govuk-table__cell govuk-table__cell--numeric">{p.line ?? '—'}</td>
                      <td class="govuk-table__cell">{p.field}</td>
                      <td class="govuk-table__cell">{p.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          ) : null}
        </section>
      ))}
      <p class="govuk-body">
        <a class="govuk-link" href="#/provider">
          Back to your settings
        </a>
      </p>
    </>
  );
}
