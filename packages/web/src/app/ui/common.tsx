import type { ComponentChildren, PartialInputHTMLAttributes } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { ApiError } from '../lib/api.ts';

/*
 * The app's building blocks, each the markup of a GOV.UK Frontend component (govuk-frontend's
 * classes; the styles come from static/styles.scss). Screens use these instead of writing the
 * classes themselves, so a component's markup lives in one place.
 */

/** The page's heading: focused and named in the tab title when the route changes, for screen readers. */
export function PageHeading({ children, caption }: { children: string; caption?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${children} – SEND placements`;
    ref.current?.focus();
  }, [children]);
  return (
    <h1 class="govuk-heading-l" ref={ref} tabIndex={-1}>
      {caption ? <span class="govuk-caption-m">{caption}</span> : null}
      {children}
    </h1>
  );
}

const fieldId = (field: string) => `field-${field.replace(/[^a-zA-Z0-9_-]/g, '-')}`;

/**
 * A failed request in words: the message, and for a 400 each invalid field linked to its input
 * (the GOV.UK error summary), announced to screen readers.
 */
export function ErrorSummary({ error, title = 'There is a problem' }: { error: Error | undefined; title?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) ref.current?.focus();
  }, [error]);
  if (error === undefined) return null;
  const details = error instanceof ApiError ? error.details.filter((d) => typeof d?.message === 'string') : [];
  return (
    <div class="govuk-error-summary" role="alert" tabIndex={-1} ref={ref}>
      <h2 class="govuk-error-summary__title">{title}</h2>
      <div class="govuk-error-summary__body">
        <p class="govuk-body">{error.message}</p>
        {details.length > 0 ? (
          <ul class="govuk-list govuk-error-summary__list">
            {details.map((d, i) => (
              <li key={i}>
                <a
                  href={`#${fieldId(String(d.field ?? ''))}`}
                  onClick={(e) => {
                    e.preventDefault();
                    document.getElementById(fieldId(String(d.field ?? '')))?.focus();
                  }}
                >
                  {d.line !== undefined ? `Line ${d.line}: ` : d.row !== undefined ? `Row ${d.row}: ` : ''}
                  {d.field} {d.message}
                </a>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}

export function problemFor(error: Error | undefined, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const d = error.details.find((x) => x?.field === field);
  return d ? `${field} ${d.message}` : undefined;
}

/**
 * A GOV.UK form group: label, hint and error message tied to the control by aria-describedby. The
 * control is the child's; give it govuk-input, govuk-select or govuk-textarea.
 */
export function Field(props: {
  label: string;
  /** The label for screen readers only, where a table's column header already says it. */
  labelHidden?: boolean;
  name: string;
  hint?: string;
  error?: string | undefined;
  children: (attrs: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ComponentChildren;
}) {
  const id = fieldId(props.name);
  const described = [props.hint ? `${id}-hint` : '', props.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={`govuk-form-group${props.error ? ' govuk-form-group--error' : ''}`}>
      <label class={props.labelHidden ? 'govuk-visually-hidden' : 'govuk-label govuk-label--s'} for={id}>
        {props.label}
      </label>
      {props.hint ? (
        <div class="govuk-hint" id={`${id}-hint`}>
          {props.hint}
        </div>
      ) : null}
      {props.error ? (
        <p class="govuk-error-message" id={`${id}-error`}>
          <span class="govuk-visually-hidden">Error:</span> {props.error}
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

/** One GOV.UK checkbox (small); put several in a <div class="govuk-checkboxes govuk-checkboxes--small">. */
export function Checkbox({
  children,
  id,
  ...input
}: { children: ComponentChildren; id?: string } & Omit<
  PartialInputHTMLAttributes<HTMLInputElement>,
  'children' | 'class' | 'role' | 'type'
>) {
  const own = useId();
  const inputId = id ?? `checkbox-${own}`;
  return (
    <div class="govuk-checkboxes__item">
      <input {...input} class="govuk-checkboxes__input" id={inputId} type="checkbox" />
      <label class="govuk-label govuk-checkboxes__label" for={inputId}>
        {children}
      </label>
    </div>
  );
}

/** GOV.UK radios from [value, label] pairs, in a fieldset with its legend. */
export function Radios(props: {
  legend: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  options: readonly (readonly [string, string])[];
  hint?: string;
  error?: string | undefined;
  inline?: boolean;
}) {
  const id = fieldId(props.name);
  return (
    <div class={`govuk-form-group${props.error ? ' govuk-form-group--error' : ''}`}>
      <fieldset class="govuk-fieldset" aria-describedby={props.hint ? `${id}-hint` : undefined}>
        <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{props.legend}</legend>
        {props.hint ? (
          <div class="govuk-hint" id={`${id}-hint`}>
            {props.hint}
          </div>
        ) : null}
        {props.error ? (
          <p class="govuk-error-message">
            <span class="govuk-visually-hidden">Error:</span> {props.error}
          </p>
        ) : null}
        <div class={`govuk-radios govuk-radios--small${props.inline ? ' govuk-radios--inline' : ''}`} id={id}>
          {props.options.map(([value, label]) => (
            <div class="govuk-radios__item" key={value}>
              <input
                class="govuk-radios__input"
                id={`${id}-${value}`}
                name={props.name}
                type="radio"
                value={value}
                checked={props.value === value}
                onChange={() => props.onChange(value)}
              />
              <label class="govuk-label govuk-radios__label" for={`${id}-${value}`}>
                {label}
              </label>
            </div>
          ))}
        </div>
      </fieldset>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="govuk-body loading" role="status">
      Loading {what}…
    </p>
  );
}

/**
 * A message in the page: info as GOV.UK inset text, success as a success notification banner,
 * warning as GOV.UK warning text.
 */
export function Notice({
  children,
  kind = 'info',
}: {
  children: ComponentChildren;
  kind?: 'info' | 'success' | 'warning';
}) {
  if (kind === 'success') {
    return (
      <div class="govuk-notification-banner govuk-notification-banner--success" role="status">
        <div class="govuk-notification-banner__header">
          <h2 class="govuk-notification-banner__title">Success</h2>
        </div>
        <div class="govuk-notification-banner__content">
          <div class="govuk-body">{children}</div>
        </div>
      </div>
    );
  }
  if (kind === 'warning') {
    return (
      <div class="govuk-warning-text">
        <span class="govuk-warning-text__icon" aria-hidden="true">
          !
        </span>
        <div class="govuk-warning-text__text">
          <span class="govuk-visually-hidden">Warning</span>
          {children}
        </div>
      </div>
    );
  }
  return <div class="govuk-inset-text">{children}</div>;
}

/** A wide table that scrolls sideways on a phone; focusable so keyboard users can scroll it. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <section
      class="app-table-wrap"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls sideways must take focus so keyboard users can scroll it (WCAG 2.1.1)
      tabIndex={0}
      aria-label={label}
    >
      {children}
    </section>
  );
}

const TAG_COLOURS = { grey: 'grey', green: 'green', red: 'red', blue: 'blue', yellow: 'yellow' } as const;

export function Tag({ children, kind = 'grey' }: { children: ComponentChildren; kind?: keyof typeof TAG_COLOURS }) {
  return <strong class={`govuk-tag govuk-tag--${TAG_COLOURS[kind]}`}>{children}</strong>;
}

/** What a labelled text field needs: its words, its value and where a change goes. */
interface TextFieldProps {
  label: string;
  name: string;
  hint?: string;
  error?: string | undefined;
  value: string;
  onInput: (value: string) => void;
}

/** A GOV.UK text input in its form group; `width` is GOV.UK's fixed width in characters. */
export function TextField(props: TextFieldProps & { width?: 2 | 3 | 4 | 5 | 10 | 20; inputMode?: 'numeric' }) {
  return (
    <Field label={props.label} name={props.name} hint={props.hint} error={props.error}>
      {(a) => (
        <input
          {...a}
          class={`govuk-input${props.width ? ` govuk-input--width-${props.width}` : ''}`}
          type="text"
          inputMode={props.inputMode}
          value={props.value}
          onInput={(e) => props.onInput(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

/** A GOV.UK textarea in its form group. */
export function TextAreaField(props: TextFieldProps & { rows?: number }) {
  return (
    <Field label={props.label} name={props.name} hint={props.hint} error={props.error}>
      {(a) => (
        <textarea
          {...a}
          class="govuk-textarea"
          rows={props.rows ?? 4}
          value={props.value}
          onInput={(e) => props.onInput(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

/** A GOV.UK select from [value, label] pairs; `empty` labels the blank choice when there is one. */
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
          class="govuk-select"
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

/** A GOV.UK summary list from [key, value] rows. */
export function SummaryList({ rows }: { rows: readonly (readonly [string, ComponentChildren])[] }) {
  return (
    <dl class="govuk-summary-list">
      {rows.map(([key, value]) => (
        <div class="govuk-summary-list__row" key={key}>
          <dt class="govuk-summary-list__key">{key}</dt>
          <dd class="govuk-summary-list__value">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The framework's bands as select options: "S2: Specialist, moderate". */
export const bandOptions = (framework: { bands: { code: string; name: string }[] } | undefined) =>
  (framework?.bands ?? []).map((b) => [b.code, `${b.code}: ${b.name}`] as const);
