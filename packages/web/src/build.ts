import { createHash } from 'node:crypto';
import { buildSync } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { compile, NodePackageImporter } from 'sass';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Where the built app lands: served at /app/ by the local server and uploaded to S3 by the CDK app. */
export const webDistDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const srcDir = dirname(fileURLToPath(import.meta.url));

export interface WebBuild {
  dir: string;
  /** Hashed file names, so CloudFront and browsers may cache them for ever; index.html is never cached. */
  files: string[];
  ms: number;
}

/**
 * Bundles the app with esbuild (TSX, Preact) into dist/: index.html naming the hashed script and
 * stylesheet. Synchronous and offline, so the start command, the tests and `cdk synth` can all
 * call it; it takes well under a second.
 */
export function buildWeb(options: { outDir?: string; minify?: boolean } = {}): WebBuild {
  const started = Date.now();
  const dir = options.outDir ?? webDistDir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const result = buildSync({
    entryPoints: { app: join(srcDir, 'app', 'main.tsx') },
    bundle: true,
    outdir: dir,
    entryNames: '[name]-[hash]',
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: options.minify ?? true,
    sourcemap: 'linked',
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const script = outputs.find((f) => f.startsWith('app-') && f.endsWith('.js'))!;
  const styles = buildStyles(dir, options.minify ?? true);
  const html = readFileSync(join(srcDir, 'static', 'index.html'), 'utf8')
    .replace('%SCRIPT%', script)
    .replace('%STYLES%', styles);
  writeFileSync(join(dir, 'index.html'), html);
  cpSync(join(srcDir, 'static', 'favicon.svg'), join(dir, 'favicon.svg'));
  return { dir, files: ['index.html', 'favicon.svg', styles, ...outputs], ms: Date.now() - started };
}

/**
 * GOV.UK Frontend's Sass (only the components styles.scss names, brand off) and the app's own rules,
 * compiled by Dart Sass into one stylesheet whose name carries a hash of its content.
 */
function buildStyles(dir: string, minify: boolean): string {
  const { css } = compile(join(srcDir, 'static', 'styles.scss'), {
    style: minify ? 'compressed' : 'expanded',
    importers: [new NodePackageImporter(srcDir)],
    // GOV.UK Frontend's own deprecation notices are for its maintainers, not for this build.
    quietDeps: true,
  });
  const name = `styles-${createHash('sha256').update(css).digest('hex').slice(0, 8).toUpperCase()}.css`;
  writeFileSync(join(dir, name), css);
  return name;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const built = buildWeb();
  console.log(`Built the web app into ${built.dir} in ${built.ms} ms.`);
}
