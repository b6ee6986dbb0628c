// Node-RED settings of the `npm start` demo (scripts/start.js): on loopback only, since its editor has no login.
module.exports = {
  uiHost: '127.0.0.1',
  flowFile: 'flows.json',
  flowFilePretty: true,
  // The demo opens straight onto its tab: no first-run prompts (update notifications, the welcome tour).
  telemetry: { enabled: false },
  editorTheme: { tours: false },
};
