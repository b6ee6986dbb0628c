'use strict';
// Writes the figures a reliability test measured into RELIABILITY.md, when the run asks for it
// (`npm run reliability`, i.e. GENEA_RELIABILITY_REPORT=1), so that an ordinary `npm test` leaves the tracked
// file alone. Each test owns one section between markers and replaces only that section, so a partial run
// leaves the other sections as the last full run wrote them. Each section says when and on what it was measured.
const fs = require('node:fs');
const path = require('node:path');
const { nodeRedVersion } = require('./node-red-path');

const reportFile = path.resolve(__dirname, '..', '..', 'RELIABILITY.md');

/**
 * Replaces section `id` of RELIABILITY.md (appending it when new) with `title` and `lines` of markdown.
 * @param {string} id
 * @param {string} title
 * @param {string[]} lines
 */
function writeSection(id, title, lines) {
  if (!process.env.GENEA_RELIABILITY_REPORT) return;
  const start = `<!-- figures:${id} -->`;
  const end = `<!-- /figures:${id} -->`;
  const measured = `_Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run reliability\`, Node-RED ${nodeRedVersion}, Node.js ${process.versions.node}._`;
  const section = [start, `## ${title}`, '', measured, '', ...lines, end].join('\n');
  const text = fs.existsSync(reportFile) ? fs.readFileSync(reportFile, 'utf8') : '';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  const updated =
    from !== -1 && to > from
      ? text.slice(0, from) + section + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(reportFile, updated);
}

/** A markdown table from a header row and rows. */
function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

module.exports = { writeSection, table };
