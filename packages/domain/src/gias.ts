import { ValidationError } from './errors.ts';
import { isNeedCode, type NeedCode } from './needs.ts';
import { DISTRICT_PATTERN, GSS_LA_PATTERN } from './reference.ts';
import type { Governance, Setting, SettingType } from './setting.ts';

/**
 * Get Information About Schools (GIAS) establishment extracts → settings. Columns are found by
 * name, so the 2021 column set and later ones (columns added, dropped or moved) all read.
 * The mapping from establishment types is documented in docs/gias-import.md.
 */

type Kind = { type: SettingType; governance: Governance } | { skip: string };

const MAINSTREAM_MAINTAINED = [
  'Community school',
  'Voluntary aided school',
  'Voluntary controlled school',
  'Foundation school',
];
const MAINSTREAM_ACADEMY = [
  'Academy converter',
  'Academy sponsor led',
  'Free schools',
  'University technical college',
  'Studio schools',
  'Academy 16-19 converter',
  'Academy 16 to 19 sponsor led',
  'Free schools 16 to 19',
];
const OUT_OF_SCOPE: Record<string, string> = {
  'Welsh establishment': 'a Welsh establishment: outside England',
  'Higher education institutions': 'a higher education institution: not a school or college placement',
  'Secure units': 'a secure unit: placements are made by the youth justice system, not the LA',
  'Offshore schools': 'an offshore school: outside England',
  'British schools overseas': 'a British school overseas: outside England',
  "Service children's education": "service children's education: outside LA commissioning",
  'Online provider': 'an online provider: no physical places to publish',
  Miscellaneous: 'a miscellaneous establishment: no placement type applies',
  'Institution funded by other government department':
    'funded by another government department: outside LA commissioning',
  'Academy secure 16 to 19': 'a secure 16 to 19 academy: placements are made by the youth justice system',
};

/** The marketplace's provision type and governance for a GIAS establishment type. */
export function settingKindForGiasType(typeName: string, resourced: string): Kind {
  const rp = resourced.toLowerCase();
  const mainstreamKind = (governance: Governance): Kind => ({
    type: rp.includes('resourced provision')
      ? 'resourced_provision'
      : rp.includes('sen unit')
        ? 'sen_unit'
        : 'mainstream',
    governance,
  });
  if (MAINSTREAM_MAINTAINED.includes(typeName)) return mainstreamKind('maintained');
  if (MAINSTREAM_ACADEMY.includes(typeName)) return mainstreamKind('academy');
  switch (typeName) {
    case 'Other independent school':
    case 'City technology college':
      return mainstreamKind('independent');
    case 'Community special school':
    case 'Foundation special school':
      return { type: 'special_maintained', governance: 'maintained' };
    case 'Academy special converter':
    case 'Academy special sponsor led':
    case 'Free schools special':
      return { type: 'special_academy', governance: 'academy' };
    case 'Non-maintained special school':
      return { type: 'non_maintained_special', governance: 'non_maintained' };
    case 'Other independent special school':
      return { type: 'independent_special', governance: 'independent' };
    case 'Pupil referral unit':
      return { type: 'alternative_provision', governance: 'maintained' };
    case 'Academy alternative provision converter':
    case 'Academy alternative provision sponsor led':
    case 'Free schools alternative provision':
      return { type: 'alternative_provision', governance: 'academy' };
    case 'Further education':
    case 'Sixth form centres':
      return { type: 'fe_college', governance: 'fe' };
    case 'Special post 16 institution':
      return { type: 'special_post16', governance: 'independent' };
    case 'Local authority nursery school':
      return { type: 'early_years', governance: 'maintained' };
  }
  return {
    skip:
      OUT_OF_SCOPE[typeName] ?? `establishment type "${typeName || 'blank'}" has no placement type in the marketplace`,
  };
}

/** SEN provision type names as GIAS writes them ("ASD - Autistic Spectrum Disorder"), to need codes. */
export function needFromGias(name: string): NeedCode | undefined {
  const code = name.split(' - ')[0]!.trim();
  if (code === 'BESD') return 'SEMH'; // the pre-2014 name for SEMH, still on older records
  if (code === 'OTH' || /^other/i.test(code)) return 'OTH';
  const match = ['SpLD', 'MLD', 'SLD', 'PMLD', 'SEMH', 'SLCN', 'HI', 'VI', 'MSI', 'PD', 'ASD', 'DS'].find(
    (c) => c.toLowerCase() === code.toLowerCase(),
  );
  return match !== undefined && isNeedCode(match) ? match : undefined;
}

/** Needs a setting is taken to meet when GIAS records no SEN provision types for it. */
const DEFAULT_NEEDS: Partial<Record<SettingType, NeedCode[]>> = {
  mainstream: ['SpLD', 'MLD', 'SLCN', 'ASD', 'SEMH'],
  early_years: ['SLCN', 'ASD', 'PD'],
  fe_college: ['MLD', 'SpLD', 'SLCN', 'ASD', 'SEMH'],
  alternative_provision: ['SEMH'],
};

export interface GiasContext {
  /** GSS code for a DfE LA number, for extracts whose GSS column is blank or absent. */
  gssForDfeNumber: (dfeNumber: string) => string | undefined;
  /** Whether a GSS code is one of the marketplace's LAs. */
  isKnownLa: (gss: string) => boolean;
  /** Centroid of a postcode district, to place the setting. */
  districtCentroid: (district: string) => { lat: number; lon: number } | undefined;
}

export interface GiasSkip {
  line: number;
  urn: string;
  name: string;
  reason: string;
}

export interface GiasImport {
  settings: Setting[];
  skipped: GiasSkip[];
  columnSet: '2021' | 'later';
}

/** Columns the importer cannot do without; every other column is optional. */
const REQUIRED_COLUMNS = [
  'URN',
  'EstablishmentName',
  'EstablishmentStatus (name)',
  'StatutoryLowAge',
  'StatutoryHighAge',
  'Postcode',
];
/** Columns of the 2021 extract that later extracts dropped; their absence marks a later column set. */
const COLUMNS_2021_ONLY = ['OfstedRating (name)', 'FEHEIdentifier'];

export function importGias(
  header: string[],
  rows: { line: number; values: Record<string, string> }[],
  ctx: GiasContext,
): GiasImport {
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (!header.includes('TypeOfEstablishment (name)')) missing.push('TypeOfEstablishment (name)');
  if (!header.includes('LA (code)') && !header.includes('GSSLACode (name)'))
    missing.push('LA (code) or GSSLACode (name)');
  if (missing.length > 0) {
    throw new ValidationError(
      missing.map((c) => ({
        field: c,
        message: 'this column is missing: is the file a GIAS establishment extract (edubasealldata…csv)?',
      })),
    );
  }
  const settings: GiasImport['settings'] = [];
  const skipped: GiasSkip[] = [];
  for (const { line, values } of rows) {
    const v = (col: string) => (values[col] ?? '').trim();
    const urn = v('URN');
    const name = v('EstablishmentName');
    const skip = (reason: string) => skipped.push({ line, urn, name, reason });
    if (!/^\d{6}$/.test(urn)) {
      skip(`URN "${urn}" is not a six-digit URN`);
      continue;
    }
    const status = v('EstablishmentStatus (name)');
    if (/^closed/i.test(status)) {
      skip(`closed${v('CloseDate') ? ` on ${v('CloseDate')}` : ''}`);
      continue;
    }
    if (/^proposed to open/i.test(status)) {
      skip('proposed to open: not taking pupils yet');
      continue;
    }
    const kind = settingKindForGiasType(v('TypeOfEstablishment (name)'), v('TypeOfResourcedProvision (name)'));
    if ('skip' in kind) {
      skip(kind.skip);
      continue;
    }
    const gss = GSS_LA_PATTERN.test(v('GSSLACode (name)'))
      ? v('GSSLACode (name)')
      : ctx.gssForDfeNumber(v('LA (code)'));
    if (gss === undefined || !ctx.isKnownLa(gss)) {
      skip(
        `LA ${[v('LA (name)'), v('GSSLACode (name)') || v('LA (code)')].filter(Boolean).join(' ') || '(blank)'} is not one of the marketplace's LAs`,
      );
      continue;
    }
    const district = v('Postcode').toUpperCase().split(/\s+/)[0] ?? '';
    const centroid = DISTRICT_PATTERN.test(district) ? ctx.districtCentroid(district) : undefined;
    if (centroid === undefined) {
      skip(`postcode "${v('Postcode') || '(blank)'}" is not in a known postcode district`);
      continue;
    }
    const ageMin = Number(v('StatutoryLowAge'));
    const ageMax = Number(v('StatutoryHighAge'));
    if (
      v('StatutoryLowAge') === '' ||
      v('StatutoryHighAge') === '' ||
      !Number.isInteger(ageMin) ||
      !Number.isInteger(ageMax) ||
      ageMin > ageMax
    ) {
      skip(`statutory age range "${v('StatutoryLowAge')}–${v('StatutoryHighAge')}" is missing or not whole years`);
      continue;
    }
    const recorded = Array.from({ length: 13 }, (_, i) => needFromGias(v(`SEN${i + 1} (name)`))).filter(
      (n): n is NeedCode => n !== undefined,
    );
    const needs = [...new Set(recorded.length > 0 ? recorded : (DEFAULT_NEEDS[kind.type] ?? []))];
    const trustCode = v('Trusts (code)');
    const trustId = trustCode !== '' ? `TR${trustCode}` : undefined;
    const capacity = (col: string) => (/^\d+$/.test(v(col)) ? Number(v(col)) : undefined);
    const rpCapacity = capacity('ResourcedProvisionCapacity');
    const unitCapacity = capacity('SenUnitCapacity');
    settings.push({
      urn,
      name,
      type: kind.type,
      governance: kind.governance,
      laCode: gss,
      // Academies publish through their trust; other settings through their own account.
      providerId: kind.governance === 'academy' && trustId !== undefined ? trustId : `PRV${urn}`,
      ...(trustId !== undefined ? { trustId, trustName: v('Trusts (name)') } : {}),
      ...(/^\d{8}$/.test(v('UKPRN')) ? { ukprn: v('UKPRN') } : {}),
      district,
      lat: centroid.lat,
      lon: centroid.lon,
      ageMin,
      ageMax,
      needs,
      section41: /^approved/i.test(v('Section41Approved (name)')),
      source: 'gias',
      ...(v('PhaseOfEducation (name)') && v('PhaseOfEducation (name)') !== 'Not applicable'
        ? { phase: v('PhaseOfEducation (name)') }
        : {}),
      ...(rpCapacity !== undefined ? { resourcedProvisionCapacity: rpCapacity } : {}),
      ...(unitCapacity !== undefined ? { senUnitCapacity: unitCapacity } : {}),
    });
  }
  return { settings, skipped, columnSet: COLUMNS_2021_ONLY.every((c) => header.includes(c)) ? '2021' : 'later' };
}
