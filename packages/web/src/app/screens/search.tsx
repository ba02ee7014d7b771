import { useEffect, useState } from 'preact/hooks';
import { NEED_CODES, NEED_NAMES } from '@placements/domain/needs.ts';
import { ATTENDANCE, SETTING_TYPES } from '@placements/domain/setting.ts';
import { type ApiError, get, type QueryOf } from '../lib/api.ts';
import { longDate, penceFromPounds, plural, pounds, todayIso } from '../lib/format.ts';
import { bands, localAuthorities } from '../lib/reference.ts';
import { navigate, routeQuery } from '../lib/router.ts';
import type { Session } from '../lib/session.ts';
import type { PlaceResult, PlaceSearchPage } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { ATTENDANCE_NAMES, SCOPE_NAMES, SETTING_TYPE_NAMES } from '../lib/words.ts';
import {
  SelectField,
  bandOptions,
  ErrorSummary,
  Field,
  Loading,
  Notice,
  PageHeading,
  Tag,
  Checkbox,
} from '../ui/common.tsx';
import { PlacesMap, type MapMarker } from '../ui/map.tsx';

type SearchPage = PlaceSearchPage;
const FIELDS = [
  'need',
  'band',
  'age',
  'from',
  'radiusKm',
  'scope',
  'type',
  'availableBy',
  'maxPounds',
  'attendance',
  'postSixteen',
  'sort',
] as const;

/** The search form's values live in the address (#/search?need=ASD&…) so a search can be shared and Back works. */
function paramsFromRoute(path: string) {
  const q = routeQuery(path);
  return {
    need: q.getAll('need'),
    band: q.get('band') ?? '',
    age: q.get('age') ?? '',
    from: q.get('from') ?? '',
    radiusKm: q.get('radiusKm') ?? '',
    scope: q.get('scope') ?? 'partnership',
    type: q.get('type') ?? '',
    availableBy: q.get('availableBy') ?? '',
    maxPounds: q.get('maxPounds') ?? '',
    attendance: q.get('attendance') ?? '',
    postSixteen: q.get('postSixteen') ?? '',
    sort: q.get('sort') ?? '',
  };
}
type Params = ReturnType<typeof paramsFromRoute>;

type SearchQuery = QueryOf<'/places/search'>;
const number = (v: string) => (v.trim() === '' ? undefined : Number(v));
const chosen = <T extends string>(v: string) => (v === '' ? undefined : (v as T));

/** The address's values as the API's query: the API checks each and names any it refuses beside its field. */
function apiQuery(p: Params): SearchQuery {
  return {
    need: p.need,
    band: chosen(p.band),
    age: number(p.age),
    from: chosen(p.from),
    radiusKm: number(p.radiusKm),
    scope: chosen<NonNullable<SearchQuery['scope']>>(p.scope),
    ...(p.type ? { type: [p.type] } : {}),
    availableBy: chosen(p.availableBy),
    maxPrice: p.maxPounds ? penceFromPounds(p.maxPounds) : undefined,
    attendance: chosen<NonNullable<SearchQuery['attendance']>>(p.attendance),
    postSixteen: chosen<NonNullable<SearchQuery['postSixteen']>>(p.postSixteen),
    sort: chosen<NonNullable<SearchQuery['sort']>>(p.sort),
    limit: 50,
  };
}

/** One marker per setting (its listings share a place), numbered as its first result in the list. */
function markersBySetting(items: PlaceResult[]): MapMarker[] {
  const bySetting = new Map<string, MapMarker>();
  items.forEach((r, i) => {
    const m = bySetting.get(r.setting.urn);
    if (m) {
      m.hasPlace ||= r.available > 0;
      m.title += `; ${i + 1}. band ${r.listing.band}: ${r.available} free`;
      return;
    }
    bySetting.set(r.setting.urn, {
      lat: r.setting.lat,
      lon: r.setting.lon,
      label: String(i + 1),
      title: `${i + 1}. ${r.setting.name}, ${r.hostLaName}, band ${r.listing.band}: ${r.available} free`,
      outOfArea: r.outOfArea,
      hasPlace: r.available > 0,
    });
  });
  return [...bySetting.values()];
}

/** Search places across boundaries: filters, a map around the child's home district, and the list. */
export function Search({ session, path }: { session: Session; path: string }) {
  const applied = paramsFromRoute(path);
  const appliedKey = JSON.stringify(applied);
  const [form, setForm] = useState<Params>(applied);
  useEffect(() => setForm(applied), [appliedKey]);
  const framework = useLoad(bands, []);
  const las = useLoad(localAuthorities, []);
  const [more, setMore] = useState<PlaceResult[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  // The count from the latest page: exact once a second page has been read.
  const [counted, setCounted] = useState<Pick<SearchPage, 'total' | 'totalAtLeast' | 'truncated'> | null>(null);
  const results = useLoad(async () => {
    if (applied.need.length === 0) return undefined;
    const page = await get('/places/search', { query: apiQuery(applied) });
    const origin = applied.from
      ? await get('/districts/{district}', { path: { district: applied.from.trim() } }).catch(() => undefined)
      : undefined;
    setMore([]);
    setCursor(page.nextCursor);
    setCounted(null);
    return { page, origin };
  }, [appliedKey]);
  const set = (patch: Partial<Params>) => setForm({ ...form, ...patch });

  function submit(e: Event) {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const k of FIELDS) {
      const v = form[k];
      if (Array.isArray(v)) for (const x of v) q.append(k, x);
      else if (v !== '') q.set(k, v);
    }
    navigate(`/search?${q}`);
  }

  async function loadMore() {
    if (!cursor) return;
    const page = await get('/places/search', { query: { ...apiQuery(applied), cursor } });
    setMore([...more, ...page.items]);
    setCursor(page.nextCursor);
    setCounted(page);
  }

  const items = [...(results.data?.page.items ?? []), ...more];
  const problem = (f: string) => {
    const d = (results.error as ApiError | undefined)?.details?.find((x) => x.field === f);
    return d ? `${f} ${d.message}` : undefined;
  };
  return (
    <>
      <PageHeading caption={session.label}>Search places</PageHeading>
      <form class="search-form" onSubmit={submit} aria-label="Search filters">
        <fieldset class="govuk-fieldset govuk-form-group">
          <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Needs the place must meet</legend>
          <p class="govuk-hint">Choose the child’s primary need first; a listing matches when it meets all of them.</p>
          <div class="govuk-checkboxes govuk-checkboxes--small app-checkboxes--columns" id="field-need">
            {NEED_CODES.map((n) => (
              <Checkbox
                key={n}
                name="need"
                value={n}
                checked={form.need.includes(n)}
                onChange={(e) =>
                  set({ need: e.currentTarget.checked ? [...form.need, n] : form.need.filter((x) => x !== n) })
                }
              >
                <abbr title={NEED_NAMES[n]}>{n}</abbr> <span class="hint-inline">{NEED_NAMES[n]}</span>
              </Checkbox>
            ))}
          </div>
        </fieldset>
        <div class="field-grid">
          <Field
            label="Child’s home postcode district"
            name="from"
            hint="The first half of the postcode, such as ME14."
            error={problem('from')}
          >
            {(a) => (
              <input
                {...a}
                class="govuk-input govuk-input--width-5"
                value={form.from}
                onInput={(e) => set({ from: e.currentTarget.value.toUpperCase() })}
                autoComplete="off"
                spellcheck={false}
              />
            )}
          </Field>
          <Field label="Within (km)" name="radiusKm" error={problem('radiusKm')}>
            {(a) => (
              <input
                {...a}
                class="govuk-input govuk-input--width-5"
                type="number"
                min={1}
                max={1000}
                inputMode="numeric"
                value={form.radiusKm}
                onInput={(e) => set({ radiusKm: e.currentTarget.value })}
              />
            )}
          </Field>
          <Field label="Age" name="age" error={problem('age')}>
            {(a) => (
              <input
                {...a}
                class="govuk-input govuk-input--width-5"
                type="number"
                min={0}
                max={25}
                inputMode="numeric"
                value={form.age}
                onInput={(e) => set({ age: e.currentTarget.value })}
              />
            )}
          </Field>
          <SelectField
            label="Where"
            name="scope"
            value={form.scope}
            onChange={(scope) => set({ scope })}
            options={Object.entries(SCOPE_NAMES)}
          />
          <Field label="Place free by" name="availableBy" error={problem('availableBy')}>
            {(a) => (
              <select
                class="govuk-select"
                {...a}
                value={form.availableBy === '' || form.availableBy === 'now' ? form.availableBy : 'date'}
                onChange={(e) =>
                  set({ availableBy: e.currentTarget.value === 'date' ? todayIso() : e.currentTarget.value })
                }
              >
                <option value="">Any time</option>
                <option value="now">Now</option>
                <option value="date">A date…</option>
              </select>
            )}
          </Field>
          {form.availableBy !== '' && form.availableBy !== 'now' ? (
            <Field label="Free by date" name="availableByDate">
              {(a) => (
                <input
                  class="govuk-input govuk-input--width-10"
                  {...a}
                  type="date"
                  value={form.availableBy}
                  onInput={(e) => set({ availableBy: e.currentTarget.value })}
                />
              )}
            </Field>
          ) : null}
        </div>
        <details
          class="govuk-details"
          open={[form.band, form.type, form.maxPounds, form.attendance, form.postSixteen, form.sort].some(
            (v) => v !== '',
          )}
        >
          <summary class="govuk-details__summary">
            <span class="govuk-details__summary-text">
              More filters: band, type of setting, price, attendance, post-16, order
            </span>
          </summary>
          <div class="field-grid">
            <SelectField
              label="Band"
              name="band"
              value={form.band}
              onChange={(band) => set({ band })}
              options={bandOptions(framework.data)}
              empty="Any band"
              error={problem('band')}
            />
            <SelectField
              label="Type of setting"
              name="type"
              value={form.type}
              onChange={(type) => set({ type })}
              options={SETTING_TYPES.map((t) => [t, SETTING_TYPE_NAMES[t]] as const)}
              empty="Any type"
            />
            <Field label="Most a year (£)" name="maxPrice" error={problem('maxPrice')}>
              {(a) => (
                <input
                  {...a}
                  class="govuk-input govuk-input--width-5"
                  inputMode="numeric"
                  value={form.maxPounds}
                  onInput={(e) => set({ maxPounds: e.currentTarget.value })}
                />
              )}
            </Field>
            <SelectField
              label="Attendance"
              name="attendance"
              value={form.attendance}
              onChange={(attendance) => set({ attendance })}
              options={ATTENDANCE.map((x) => [x, ATTENDANCE_NAMES[x]] as const)}
              empty="Any"
            />
            <SelectField
              label="Post-16 and FE"
              name="postSixteen"
              value={form.postSixteen}
              onChange={(postSixteen) => set({ postSixteen })}
              options={[
                ['true', 'Post-16 places only'],
                ['false', 'Under 16 places only'],
              ]}
              empty="Any"
            />
            <SelectField
              label="Sort by"
              name="sort"
              value={form.sort}
              onChange={(sort) => set({ sort })}
              options={[
                ['distance', 'Distance'],
                ['price', 'Price'],
                ['available', 'Most places free'],
              ]}
              empty="Nearest first (with a district)"
            />
          </div>
        </details>
        <button type="submit" class="govuk-button">
          Search
        </button>
      </form>

      {applied.need.length === 0 ? <Notice>Choose at least one need to search.</Notice> : null}
      <ErrorSummary error={results.error} title="The search could not run" />
      {results.loading && applied.need.length > 0 ? <Loading what="places" /> : null}
      {results.data ? (
        <section aria-labelledby="results-title" class="results">
          <h2 class="govuk-heading-m" id="results-title" aria-live="polite">
            {(counted ?? results.data.page).totalAtLeast ? 'At least ' : ''}
            {plural((counted ?? results.data.page).total, 'place')} found
            {(counted ?? results.data.page).truncated ? ' (the first 1,000)' : ''}
          </h2>
          <div class="results-layout">
            {results.data.origin ? (
              <PlacesMap
                origin={results.data.origin}
                radiusKm={applied.radiusKm ? Number(applied.radiusKm) : undefined}
                las={[...(las.data?.values() ?? [])]}
                markers={markersBySetting(items)}
              />
            ) : (
              <Notice>Give the child’s home postcode district to see the results on a map with distances.</Notice>
            )}
            <ol class="result-list">
              {items.map((r, i) => (
                <li key={`${r.setting.urn}:${r.listing.listingId}`} class="result">
                  <h3 class="govuk-heading-s">
                    <span class="result-number" aria-hidden="true">
                      {i + 1}
                    </span>
                    {r.setting.name}
                  </h3>
                  <p class="govuk-body meta">
                    {SETTING_TYPE_NAMES[r.setting.type as keyof typeof SETTING_TYPE_NAMES] ?? r.setting.type} ·{' '}
                    {r.hostLaName} ({r.setting.district})
                    {r.distanceKm !== null ? ` · ${r.distanceKm.toFixed(1)} km` : ''}{' '}
                    {r.outOfArea ? <Tag kind="yellow">Across the boundary</Tag> : null}
                  </p>
                  <p class="govuk-body">
                    Band {r.listing.band} · {r.listing.needs.join(', ')} · ages {r.listing.ageMin}–{r.listing.ageMax} ·{' '}
                    {ATTENDANCE_NAMES[r.listing.attendance as keyof typeof ATTENDANCE_NAMES]}
                  </p>
                  <p class="govuk-body">
                    {r.available > 0 ? <Tag kind="green">{plural(r.available, 'place')} free</Tag> : <Tag>Full</Tag>}{' '}
                    {r.listing.availableFrom > todayIso() ? `from ${longDate(r.listing.availableFrom)}` : 'now'} ·{' '}
                    {pounds(r.price)} a year
                  </p>
                </li>
              ))}
            </ol>
          </div>
          {cursor ? (
            <button type="button" class="govuk-button govuk-button--secondary" onClick={() => void loadMore()}>
              Show more places
            </button>
          ) : null}
        </section>
      ) : null}
    </>
  );
}
