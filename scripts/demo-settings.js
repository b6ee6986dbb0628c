// Node-RED settings of the `npm start` demo (scripts/start.js): on loopback only, since its editor has no login.
module.exports = {
  uiHost: '127.0.0.1',
  // File nodes (the examples' genea-*.jsonl and *.csv) write relative paths into the demo's user dir.
  fileWorkingDirectory: process.env.GENEA_DEMO_USER_DIR,
  flowFile: 'flows.json',
  flowFilePretty: true,
  // The demo opens straight onto its tab: no first-run prompts (update notifications, the welcome tour).
  telemetry: { enabled: false },
  editorTheme: { tours: false },
};
