/**
 * The API report: every entry point's public surface, as API Extractor reads it from the built
 * declarations (`dist/*.d.ts`), in `etc/<entry>.api.md`. A change to the surface shows up there,
 * in review.
 *
 *   npm run api            rebuild, then rewrite the reports (after a deliberate change)
 *   tsx scripts/api-report.ts --check   exit 1 when a report differs from the build (npm test runs this)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';

const root = join(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Each import path and its built declarations, e.g. `microstream/node` → `dist/node.d.ts`. */
const entries = Object.entries<Record<string, { types: string }> | string>(pkg.exports)
  .filter(([subpath, target]) => typeof target !== 'string' && !subpath.includes('*'))
  .map(([subpath, target]) => ({
    name: subpath === '.' ? 'microstream' : `microstream-${subpath.slice(2)}`,
    types: (target as Record<string, { types: string }>).import.types,
  }));

const changed: string[] = [];
for (const { name, types } of entries) {
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: join(root, types),
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            types: ['node'],
            skipLibCheck: true,
          },
          files: [join(root, types)],
        },
      },
      apiReport: {
        enabled: true,
        reportFolder: join(root, 'etc'),
        reportTempFolder: join(root, 'test-artifacts/api'),
        reportFileName: name,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
        // The surface has no release tags (@public/@beta): every export is public.
        extractorMessageReporting: {
          default: { logLevel: ExtractorLogLevel.Warning },
          'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
          'ae-undocumented': { logLevel: ExtractorLogLevel.None },
        },
        tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
      },
    },
    configObjectFullPath: join(root, 'scripts/api-report.ts'),
    packageJsonFullPath: join(root, 'package.json'),
  });
  const result = Extractor.invoke(config, {
    localBuild: !check,
    // Warnings go into the report itself (where review sees them); only errors are printed.
    messageCallback: (message) => {
      if (message.logLevel !== ExtractorLogLevel.Error) message.handled = true;
    },
  });
  if (result.errorCount > 0) {
    console.error(`api-report: ${name}: ${result.errorCount} errors`);
    process.exitCode = 1;
  }
  if (result.apiReportChanged) changed.push(`etc/${name}.api.md`);
}
if (check && changed.length > 0) {
  console.error(
    `api-report: the public surface differs from ${changed.join(', ')}. If the change is deliberate, ` +
      'run `npm run api` and commit the reports.',
  );
  process.exitCode = 1;
} else if (!check)
  console.log(changed.length > 0 ? `api-report: updated ${changed.join(', ')}` : 'api-report: unchanged');
