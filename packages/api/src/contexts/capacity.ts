import { createRoute, z } from '@hono/zod-openapi';
import { NotFoundError, ValidationError } from '@placements/domain';
import { contextApp, type Deps } from '../http.ts';
import { errorResponses, GssCode, json, pageOf, PageQuery, SettingSchema, SettingTypeSchema, Urn } from '../schemas.ts';

const listSettings = createRoute({
  method: 'get',
  path: '/settings',
  tags: ['capacity'],
  summary: 'Settings with their published listings, by LA and provision type',
  request: {
    query: z.strictObject({
      la: GssCode.optional().openapi({ description: 'Host LA (GSS code).' }),
      type: SettingTypeSchema.optional(),
      ...PageQuery,
    }),
  },
  responses: { 200: json(pageOf(SettingSchema, 'SettingPage'), 'A page of settings'), ...errorResponses },
});

const getSetting = createRoute({
  method: 'get',
  path: '/settings/{urn}',
  tags: ['capacity'],
  summary: 'One setting with its published listings',
  request: { params: z.object({ urn: Urn }) },
  responses: { 200: json(SettingSchema, 'The setting'), ...errorResponses },
});

/** Published capacity: settings and listings. Anyone may read it. */
export function capacityApp(deps: Deps) {
  return contextApp(deps)
    .openapi(listSettings, async (c) => {
      const { la, type, limit, cursor } = c.req.valid('query');
      if (la !== undefined && (await deps.store.reference.getLa(la)) === undefined) {
        throw new ValidationError([{ field: 'la', message: `no local authority has the GSS code ${la}; GET /las lists them` }]);
      }
      return c.json(await deps.store.settings.listSettings({ la, type }, limit, cursor), 200);
    })
    .openapi(getSetting, async (c) => {
      const { urn } = c.req.valid('param');
      const setting = await deps.store.settings.getSetting(urn);
      if (setting === undefined) throw new NotFoundError(`No setting has the URN ${urn}.`);
      return c.json(setting, 200);
    });
}
