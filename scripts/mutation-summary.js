#!/usr/bin/env node
// The summary table of a Stryker run (reports/mutation/mutation.json, written by `npm run mutate`), per file and in
// all: printed and written to reports/mutation/summary.md. Runs on its own too: `node scripts/mutation-summary.js`.
// The score: killed and timed out over all valid mutants, covered or not (Stryker's "mutation score"). Mutants
// that do not compile are not counted; static ones (module-level code, which only a run of every test can judge)
// are ignored by the config (ignoreStatic) to keep the run short, and counted in their own column.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const reportDir = path.resolve(__dirname, '..', 'reports', 'mutation');
const report = JSON.parse(fs.readFileSync(path.join(reportDir, 'mutation.json'), 'utf8'));
const DETECTED = ['Killed', 'Timeout'];
const UNDETECTED = ['Survived', 'NoCoverage'];
const rows = [];
const total = { detected: 0, valid: 0, survived: 0, noCoverage: 0, ignored: 0 };
for (const [file, { mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const count = (statuses) => mutants.filter((mutant) => statuses.includes(mutant.status)).length;
  const row = {
    detected: count(DETECTED),
    valid: count([...DETECTED, ...UNDETECTED]),
    survived: count(['Survived']),
    noCoverage: count(['NoCoverage']),
    ignored: count(['Ignored']),
  };
  for (const key of Object.keys(total)) total[key] += row[key];
  rows.push([file, row]);
}
const score = ({ detected, valid }) => (valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(1)} %`);
const line = (cells) => `| ${cells.join(' | ')} |`;
const cells = (row) => [row.valid, row.detected, row.survived, row.noCoverage, score(row), row.ignored];
const summary = [
  line(['file', 'mutants', 'killed or timed out', 'survived', 'no coverage', 'score', 'ignored (static)']),
  line(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
  ...rows.map(([file, row]) => line([file, ...cells(row)])),
  line(['all', ...cells(total)]),
].join('\n');
fs.writeFileSync(path.join(reportDir, 'summary.md'), `${summary}\n`);
console.log(`\n${summary}\n\nreports/mutation/mutation.json, reports/mutation/summary.md`);
