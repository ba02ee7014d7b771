import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini leaves messages to a locale it does not load by itself (zod's classic API does): every
// module that defines schemas imports this, so a message we did not write is still in English.
// Listed under "sideEffects" in package.json, so bundlers keep it. English alone is imported by
// path: z.locales.en would bring every locale into the Lambda bundles.
z.config(en());
