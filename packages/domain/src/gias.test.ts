import { describe, expect, it } from 'vitest';
import { type GiasContext, importGias, needFromGias, settingKindForGiasType } from './gias.ts';
import { ValidationError } from './errors.ts';

// The GIAS mapping as docs/gias-import.md states it: each establishment type's provision type and
// governance, what a row is read for, and the reason given for each row that is skipped.

describe('establishment types (the table in docs/gias-import.md)', () => {
  const table: [string[], string, string][] = [
    [
      ['Community school', 'Voluntary aided school', 'Voluntary controlled school', 'Foundation school'],
      'mainstream',
      'maintained',
    ],
    [
      [
        'Academy converter',
        'Academy sponsor led',
        'Free schools',
        'University technical college',
        'Studio schools',
        'Academy 16-19 converter',
        'Academy 16 to 19 sponsor led',
        'Free schools 16 to 19',
      ],
      'mainstream',
      'academy',
    ],
    [['Other independent school', 'City technology college'], 'mainstream', 'independent'],
    [['Community special school', 'Foundation special school'], 'special_maintained', 'maintained'],
    [
      ['Academy special converter', 'Academy special sponsor led', 'Free schools special'],
      'special_academy',
      'academy',
    ],
    [['Non-maintained special school'], 'non_maintained_special', 'non_maintained'],
    [['Other independent special school'], 'independent_special', 'independent'],
    [['Pupil referral unit'], 'alternative_provision', 'maintained'],
    [
      [
        'Academy alternative provision converter',
        'Academy alternative provision sponsor led',
        'Free schools alternative provision',
      ],
      'alternative_provision',
      'academy',
    ],
    [['Further education', 'Sixth form centres'], 'fe_college', 'fe'],
    [['Special post 16 institution'], 'special_post16', 'independent'],
    [['Local authority nursery school'], 'early_years', 'maintained'],
  ];
  it.each(table)('%j are %s, %s', (types, type, governance) => {
    for (const t of types) expect(settingKindForGiasType(t, ''), t).toEqual({ type, governance });
  });

  it('makes a mainstream school with resourced provision or an SEN unit that kind of setting, and no other type', () => {
    for (const [resourced, type] of [
      ['Resourced provision', 'resourced_provision'],
      ['Resourced provision and SEN unit', 'resourced_provision'],
      ['SEN unit', 'sen_unit'],
      ['Not applicable', 'mainstream'],
    ] as const) {
      expect(settingKindForGiasType('Community school', resourced)).toEqual({ type, governance: 'maintained' });
      expect(settingKindForGiasType('Academy converter', resourced)).toEqual({ type, governance: 'academy' });
      expect(settingKindForGiasType('Other independent school', resourced)).toEqual({
        type,
        governance: 'independent',
      });
    }
    // A special school's own type stands whatever the column says.
    expect(settingKindForGiasType('Community special school', 'SEN unit')).toEqual({
      type: 'special_maintained',
      governance: 'maintained',
    });
  });

  it('skips the types the marketplace places no child in, each with its reason, and names an unknown type', () => {
    expect(settingKindForGiasType('Secure units', '')).toEqual({
      skip: 'a secure unit: placements are made by the youth justice system, not the LA',
    });
    expect(settingKindForGiasType('Online provider', '')).toEqual({
      skip: 'an online provider: no physical places to publish',
    });
    expect(settingKindForGiasType('Academy secure 16 to 19', '')).toEqual({
      skip: 'a secure 16 to 19 academy: placements are made by the youth justice system',
    });
    expect(settingKindForGiasType('Boarding house', '')).toEqual({
      skip: 'establishment type "Boarding house" has no placement type in the marketplace',
    });
    expect(settingKindForGiasType('', '')).toEqual({
      skip: 'establishment type "blank" has no placement type in the marketplace',
    });
  });
});

describe('needs from the SEN provision columns', () => {
  it('reads the code before the dash, in any case, the pre-2014 BESD as SEMH, and other as OTH', () => {
    expect(needFromGias('ASD - Autistic Spectrum Disorder')).toBe('ASD');
    expect(needFromGias('SpLD - Specific Learning Difficulty')).toBe('SpLD');
    expect(needFromGias('spld')).toBe('SpLD');
    expect(needFromGias('BESD - Behaviour, Emotional and Social Difficulties')).toBe('SEMH');
    expect(needFromGias('OTH - Other Difficulty/Disability')).toBe('OTH');
    expect(needFromGias('Other')).toBe('OTH');
    expect(needFromGias('')).toBeUndefined();
    expect(needFromGias('XYZ - Unheard of')).toBeUndefined();
  });
});

const HEADER = [
  'URN',
  'LA (code)',
  'LA (name)',
  'EstablishmentName',
  'TypeOfEstablishment (name)',
  'EstablishmentStatus (name)',
  'CloseDate',
  'PhaseOfEducation (name)',
  'StatutoryLowAge',
  'StatutoryHighAge',
  'Postcode',
  'GSSLACode (name)',
  'TypeOfResourcedProvision (name)',
  'ResourcedProvisionCapacity',
  'SenUnitCapacity',
  'SEN1 (name)',
  'SEN2 (name)',
  'Trusts (code)',
  'Trusts (name)',
  'UKPRN',
  'Section41Approved (name)',
  'OfstedRating (name)',
  'FEHEIdentifier',
];
const KENT = 'E10000016';
const ctx: GiasContext = {
  gssForDfeNumber: (n) => (n === '886' ? KENT : undefined),
  isKnownLa: (gss) => gss === KENT,
  districtCentroid: (d) => (d === 'ME14' ? { lat: 51.27, lon: 0.52 } : undefined),
};
const row = (values: Record<string, string>, line = 2) => ({
  line,
  values: {
    URN: '118000',
    'LA (code)': '886',
    'LA (name)': 'Kent',
    EstablishmentName: 'Oak Tree School',
    'TypeOfEstablishment (name)': 'Community school',
    'EstablishmentStatus (name)': 'Open',
    'PhaseOfEducation (name)': 'Primary',
    StatutoryLowAge: '4',
    StatutoryHighAge: '11',
    Postcode: 'ME14 1XX',
    ...values,
  },
});
const one = (values: Record<string, string>, header = HEADER) => importGias(header, [row(values)], ctx);
const reason = (values: Record<string, string>) => {
  const r = one(values);
  expect(r.settings).toEqual([]);
  return r.skipped[0]!.reason;
};

describe('importGias', () => {
  it('reads an open school into a setting: its LA by DfE number, district centroid, ages, phase and the needs typical of its type', () => {
    const { settings, skipped, columnSet } = one({});
    expect(skipped).toEqual([]);
    expect(columnSet).toBe('2021');
    expect(settings).toEqual([
      {
        urn: '118000',
        name: 'Oak Tree School',
        type: 'mainstream',
        governance: 'maintained',
        laCode: KENT,
        providerId: 'PRV118000',
        district: 'ME14',
        lat: 51.27,
        lon: 0.52,
        ageMin: 4,
        ageMax: 11,
        needs: ['SpLD', 'MLD', 'SLCN', 'ASD', 'SEMH'],
        section41: false,
        source: 'gias',
        phase: 'Primary',
      },
    ]);
  });

  it('publishes an academy through its trust, keeps the UKPRN, section 41 approval, recorded needs and capacities', () => {
    const [s] = one({
      'TypeOfEstablishment (name)': 'Academy converter',
      'TypeOfResourcedProvision (name)': 'Resourced provision and SEN unit',
      ResourcedProvisionCapacity: '12',
      SenUnitCapacity: '8',
      'SEN1 (name)': 'ASD - Autistic Spectrum Disorder',
      'SEN2 (name)': 'BESD - Behaviour, Emotional and Social Difficulties',
      'Trusts (code)': '4012',
      'Trusts (name)': 'Weald Learning Trust',
      UKPRN: '10012345',
      'Section41Approved (name)': 'Approved',
      'GSSLACode (name)': KENT,
      'LA (code)': '',
      'PhaseOfEducation (name)': 'Not applicable',
    }).settings;
    expect(s).toMatchObject({
      type: 'resourced_provision',
      governance: 'academy',
      providerId: 'TR4012',
      trustId: 'TR4012',
      trustName: 'Weald Learning Trust',
      ukprn: '10012345',
      section41: true,
      needs: ['ASD', 'SEMH'],
      resourcedProvisionCapacity: 12,
      senUnitCapacity: 8,
      laCode: KENT,
    });
    // "Not applicable" is no phase.
    expect(s!.phase).toBeUndefined();
    // A maintained school in a trust still publishes for itself.
    expect(one({ 'Trusts (code)': '4012', 'Trusts (name)': 'T' }).settings[0]!.providerId).toBe('PRV118000');
  });

  it('gives each type without recorded needs its typical needs, and a special school none it does not record', () => {
    expect(one({ 'TypeOfEstablishment (name)': 'Pupil referral unit' }).settings[0]!.needs).toEqual(['SEMH']);
    expect(one({ 'TypeOfEstablishment (name)': 'Local authority nursery school' }).settings[0]!.needs).toEqual([
      'SLCN',
      'ASD',
      'PD',
    ]);
    expect(one({ 'TypeOfEstablishment (name)': 'Community special school' }).settings[0]!.needs).toEqual([]);
    // The same need twice is kept once.
    expect(
      one({ 'SEN1 (name)': 'MLD - Moderate Learning Difficulty', 'SEN2 (name)': 'mld' }).settings[0]!.needs,
    ).toEqual(['MLD']);
  });

  it('skips each row it cannot place, saying why in words an importer can act on', () => {
    expect(reason({ URN: '12345' })).toBe('URN "12345" is not a six-digit URN');
    expect(reason({ 'EstablishmentStatus (name)': 'Closed', CloseDate: '31-08-2020' })).toBe('closed on 31-08-2020');
    expect(reason({ 'EstablishmentStatus (name)': 'Closed' })).toBe('closed');
    expect(reason({ 'EstablishmentStatus (name)': 'Proposed to open' })).toBe(
      'proposed to open: not taking pupils yet',
    );
    expect(reason({ 'TypeOfEstablishment (name)': 'Welsh establishment' })).toBe(
      'a Welsh establishment: outside England',
    );
    expect(reason({ 'LA (code)': '999', 'LA (name)': 'Elsewhere' })).toBe(
      "LA Elsewhere 999 is not one of the marketplace's LAs",
    );
    expect(reason({ 'LA (code)': '', 'LA (name)': '' })).toBe("LA (blank) is not one of the marketplace's LAs");
    expect(reason({ 'GSSLACode (name)': 'E06000035', 'LA (name)': 'Medway' })).toBe(
      "LA Medway E06000035 is not one of the marketplace's LAs",
    );
    expect(reason({ Postcode: 'ZZ99 9ZZ' })).toBe('postcode "ZZ99 9ZZ" is not in a known postcode district');
    expect(reason({ Postcode: '' })).toBe('postcode "(blank)" is not in a known postcode district');
    expect(reason({ StatutoryLowAge: '' })).toBe('statutory age range "–11" is missing or not whole years');
    expect(reason({ StatutoryHighAge: '10.5' })).toBe('statutory age range "4–10.5" is missing or not whole years');
    expect(reason({ StatutoryLowAge: '12' })).toBe('statutory age range "12–11" is missing or not whole years');
  });

  it('reports each skipped row by its line, URN and name, and imports the rest', () => {
    const r = importGias(
      HEADER,
      [
        row({}, 2),
        row({ URN: '118001', EstablishmentName: 'Closed School', 'EstablishmentStatus (name)': 'Closed' }, 3),
      ],
      ctx,
    );
    expect(r.settings.map((s) => s.urn)).toEqual(['118000']);
    expect(r.skipped).toEqual([{ line: 3, urn: '118001', name: 'Closed School', reason: 'closed' }]);
  });

  it('tells a later column set by the 2021 columns it lacks, and needs either LA column', () => {
    const later = HEADER.filter((h) => h !== 'OfstedRating (name)' && h !== 'FEHEIdentifier');
    expect(one({}, later).columnSet).toBe('later');
    const gssOnly = HEADER.filter((h) => h !== 'LA (code)');
    expect(importGias(gssOnly, [row({ 'GSSLACode (name)': KENT })], ctx).settings).toHaveLength(1);
  });

  it('refuses a file without the columns it needs, naming every one', () => {
    const header = HEADER.filter(
      (h) => !['URN', 'Postcode', 'TypeOfEstablishment (name)', 'LA (code)', 'GSSLACode (name)'].includes(h),
    );
    let error: unknown;
    try {
      importGias(header, [], ctx);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.field)).toEqual([
      'URN',
      'Postcode',
      'TypeOfEstablishment (name)',
      'LA (code) or GSSLACode (name)',
    ]);
    for (const p of (error as ValidationError).problems)
      expect(p.message).toBe('this column is missing: is the file a GIAS establishment extract (edubasealldata…csv)?');
  });
});
