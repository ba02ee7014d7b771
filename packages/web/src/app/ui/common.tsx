import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../lib/api.ts';

/** The page's heading: focused and named in the tab title when the route changes, for screen readers. */
export function PageHeading({ children, caption }: { children: string; caption?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${children} – SEND placements`;
    ref.current?.focus();
  }, [children]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {caption ? <span class="caption">{caption}</span> : null}
      {children}
    </h1>
  );
}

const fieldId = (field: string) => `field-${field.replace(/[^a-zA-Z0-9_-]/g, '-')}`;

/**
 * A failed request in words: the message, and for a 400 each invalid field linked to its input
 * (the GOV.UK error summary pattern), announced to screen readers.
 */
export function ErrorSummary({ error, title = 'There is a problem' }: { error: Error | undefined; title?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) ref.current?.focus();
  }, [error]);
  if (error === undefined) return null;
  const details = error instanceof ApiError ? error.details.filter((d) => typeof d?.message === 'string') : [];
  return (
    <div class="error-summary" role="alert" tabIndex={-1} ref={ref}>
      <h2>{title}</h2>
      <p>{error.message}</p>
      {details.length > 0 ? (
        <ul>
          {details.map((d, i) => (
            <li key={i}>
              <a
                href={`#${fieldId(String(d.field ?? ''))}`}
                onClick={(e) => (e.preventDefault(), document.getElementById(fieldId(String(d.field ?? '')))?.focus())}
              >
                {d.line !== undefined ? `Line ${d.line}: ` : d.row !== undefined ? `Row ${d.row}: ` : ''}
                {d.field} {d.message}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function problemFor(error: Error | undefined, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const d = error.details.find((x) => x?.field === field);
  return d ? `${field} ${d.message}` : undefined;
}

/** A labelled form field with hint and error text tied to the input by aria-describedby. */
export function Field(props: {
  label: string;
  name: string;
  hint?: string;
  error?: string | undefined;
  children: (attrs: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ComponentChildren;
}) {
  const id = fieldId(props.name);
  const described = [props.hint ? `${id}-hint` : '', props.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${props.error ? ' field-error' : ''}`}>
      <label for={id}>{props.label}</label>
      {props.hint ? (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p class="error-message" id={`${id}-error`}>
          {props.error}
        </p>
      ) : null}
      {props.children({
        id,
        ...(described ? { 'aria-describedby': described } : {}),
        ...(props.error ? { 'aria-invalid': true } : {}),
      })}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Notice({
  children,
  kind = 'info',
}: {
  children: ComponentChildren;
  kind?: 'info' | 'success' | 'warning';
}) {
  return (
    <div class={`notice notice-${kind}`} role={kind === 'success' ? 'status' : undefined}>
      {children}
    </div>
  );
}

/** A wide table that scrolls sideways on a phone; focusable so keyboard users can scroll it. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}

export function Tag({
  children,
  kind = 'grey',
}: {
  children: ComponentChildren;
  kind?: 'grey' | 'green' | 'red' | 'blue' | 'yellow';
}) {
  return <strong class={`tag tag-${kind}`}>{children}</strong>;
}

/** A labelled select from [value, label] pairs; `empty` labels the blank choice when there is one. */
export function SelectField(props: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  options: readonly (readonly [string, string])[];
  empty?: string;
  hint?: string;
  error?: string | undefined;
  required?: boolean;
}) {
  return (
    <Field label={props.label} name={props.name} hint={props.hint} error={props.error}>
      {(a) => (
        <select
          {...a}
          value={props.value}
          onChange={(e) => props.onChange(e.currentTarget.value)}
          required={props.required}
        >
          {props.empty !== undefined ? <option value="">{props.empty}</option> : null}
          {props.options.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** The framework's bands as select options: "S2: Specialist, moderate". */
export const bandOptions = (framework: { bands: { code: string; name: string }[] } | undefined) =>
  (framework?.bands ?? []).map((b) => [b.code, `${b.code}: ${b.name}`] as const);
